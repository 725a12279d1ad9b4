/** Workflow bundle entry: the workflow functions and nothing else. */
export { rfcApprovalWorkflow } from './rfc-approval.workflow';
