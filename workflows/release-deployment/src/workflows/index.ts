// Bundle entry for the worker: the workflow function and nothing else.
export { releaseDeploymentWorkflow } from './release-deployment.workflow';
