import type { ReleaseDeploymentActivities } from '@itsm/wf-release-deployment';
import type { ReleaseConfig } from '../config';
import { createActivities } from './activities';
import { DeploymentService, type DeploymentDeps } from './deployment.service';
import { ReleaseService } from './release.service';

export interface Services {
  releases: ReleaseService;
  deployments: DeploymentService;
  activities: ReleaseDeploymentActivities;
}

export function createServices(deps: Omit<DeploymentDeps, 'publicUrl'> & { config: ReleaseConfig }): Services {
  const releases = new ReleaseService(deps);
  const deployments = new DeploymentService({ ...deps, publicUrl: deps.config.publicUrl }, releases);
  const activities = createActivities(deps, {
    requestTimeoutMs: deps.config.httpTimeoutMs,
    ...(deps.config.webhookToken ? { webhookHeaders: { authorization: `Bearer ${deps.config.webhookToken}` } } : {}),
  });
  return { releases, deployments, activities };
}
