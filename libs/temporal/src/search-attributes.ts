import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';

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
  /** the platform instance (its workflow id prefix without the dash; `default` for none) */
  instance: defineSearchAttributeKey('ItsmInstance', SearchAttributeType.KEYWORD),
} as const;

/** ItsmInstance of the platform instance whose workflow ids start with `workflowIdPrefix`: `t1a2b3c4d` for `t1a2b3c4d-`, `default` for none. */
export function instanceAttribute(workflowIdPrefix = ''): SearchAttributePair {
  return { key: SA.instance, value: workflowIdPrefix.replace(/-$/, '') || 'default' };
}
