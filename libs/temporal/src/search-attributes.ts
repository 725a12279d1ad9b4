import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * The search attributes our workflows set, so operators can find them in the
 * Temporal UI (e.g. `ItsmRecordId = "CHG0000042"`). Registered on the server
 * from infra/temporal/search-attributes.json (a test keeps both in step).
 * Workflow-safe: no Node built-ins; import it as `@itsm/temporal/search-attributes`.
 */
export const SA = {
  recordId: defineSearchAttributeKey('ItsmRecordId', SearchAttributeType.KEYWORD),
  recordType: defineSearchAttributeKey('ItsmRecordType', SearchAttributeType.KEYWORD),
  state: defineSearchAttributeKey('ItsmState', SearchAttributeType.KEYWORD),
  priority: defineSearchAttributeKey('ItsmPriority', SearchAttributeType.KEYWORD),
  dueAt: defineSearchAttributeKey('ItsmDueAt', SearchAttributeType.DATETIME),
  waitingFor: defineSearchAttributeKey('ItsmWaitingFor', SearchAttributeType.KEYWORD),
  risk: defineSearchAttributeKey('ItsmRisk', SearchAttributeType.KEYWORD),
  changeType: defineSearchAttributeKey('ItsmChangeType', SearchAttributeType.KEYWORD),
  stage: defineSearchAttributeKey('ItsmStage', SearchAttributeType.KEYWORD),
} as const;
