import type { AuthUser } from '@itsm/http';
import type { Incident } from '../domain/types';
import { visibleCallers } from '../repository/misc.repository';
import type { IncidentService } from '../service/incident.service';
import { isAgent } from './schemas';

/** What the caller of a request may see. Desk staff: everything; requesters: their own incidents (and their organisation's, when it shares them). */
export interface Viewer {
  agent: boolean;
  /** undefined for desk staff */
  callers: string[] | undefined;
  canSee(inc: Pick<Incident, 'callerId'>): boolean;
  /** confirm and reopen: the caller themself (or desk staff) */
  canAct(inc: Pick<Incident, 'callerId'>): boolean;
}

export async function viewerOf(svc: IncidentService, user: AuthUser): Promise<Viewer> {
  const agent = isAgent(user);
  const callers = agent ? undefined : await visibleCallers(svc.knex, user.id);
  return {
    agent,
    callers,
    canSee: (inc) => agent || (callers ?? []).includes(inc.callerId),
    canAct: (inc) => agent || inc.callerId === user.id,
  };
}
