/** Bundle entry: the workflow functions and nothing else. */
export { slaClockWorkflow } from './sla-clock.workflow';
