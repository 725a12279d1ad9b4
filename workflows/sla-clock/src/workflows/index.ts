/** Bundle entry: the workflow functions and nothing else. */
export { slaTicketWorkflow } from './sla-ticket.workflow';
