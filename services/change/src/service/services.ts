import { AdminService } from './admin.service';
import { createActivities } from './activities';
import { ApprovalService } from './approval.service';
import { ApproverConfig } from './approvers';
import { ChangeService } from './change.service';
import { IntakeService } from './intake.service';
import { ScheduleService } from './schedule.service';
import type { ServiceDeps } from './write-path';

/** The service layer, wired once per running service. */
export interface Services {
  deps: ServiceDeps;
  changes: ChangeService;
  approvals: ApprovalService;
  schedules: ScheduleService;
  admin: AdminService;
  intake: IntakeService;
  activities: ReturnType<typeof createActivities>;
}

export function createServices(deps: ServiceDeps): Services {
  const approvers = new ApproverConfig(deps);
  const schedules = new ScheduleService(deps);
  const changes = new ChangeService(deps, approvers, schedules);
  return {
    deps,
    changes,
    approvals: new ApprovalService(deps, approvers),
    schedules,
    admin: new AdminService(deps),
    intake: new IntakeService(deps, changes),
    activities: createActivities(deps, schedules),
  };
}
