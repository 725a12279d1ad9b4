import { withTransaction, type Knex } from '@itsm/db';
import { detectConflicts } from '../domain/conflicts';
import { schedule } from '../domain/change';
import type { Change, Conflict } from '../domain/types';
import { listFreezes, listWindows } from '../repository/admin.repository';
import { calendarChanges, scheduledOverlapping } from '../repository/change.repository';
import { commitDecision, type EventContext, type ServiceDeps } from './write-path';

type Db = Knex | Knex.Transaction;

/** Scheduling: conflicts of a window and the change calendar. */
export class ScheduleService {
  constructor(private readonly deps: ServiceDeps) {}

  /** Conflicts of the change's planned window (none without a window). */
  async conflictsFor(db: Db, c: Pick<Change, 'number' | 'ciIds' | 'plannedStart' | 'plannedEnd'>): Promise<Conflict[]> {
    if (!c.plannedStart || !c.plannedEnd) return [];
    const window = { number: c.number, ciIds: c.ciIds, start: c.plannedStart, end: c.plannedEnd };
    return detectConflicts(window, {
      scheduled: await scheduledOverlapping(db, c.ciIds, c.plannedStart, c.plannedEnd),
      maintenanceWindows: c.ciIds.length ? await listWindows(db, { ciIds: c.ciIds }) : [],
      freezes: await listFreezes(db, { from: c.plannedStart, to: c.plannedEnd }),
    });
  }

  /**
   * authorize → scheduled. Schedulings are serialised (a transaction-scoped
   * advisory lock), so two changes can never be scheduled into the same slot
   * of a CI at once.
   */
  async scheduleIn(trx: Knex.Transaction, c: Change, ec: EventContext): Promise<Change> {
    await trx.raw("SELECT pg_advisory_xact_lock(hashtext('itsm.change.schedule'))");
    const conflicts = await this.conflictsFor(trx, c);
    return commitDecision(trx, this.deps, c, schedule(c, conflicts), 'scheduled', ec);
  }

  async check(ref: Pick<Change, 'number' | 'ciIds' | 'plannedStart' | 'plannedEnd'>): Promise<Conflict[]> {
    return this.conflictsFor(this.deps.knex, ref);
  }

  /** Scheduled changes, maintenance windows and freezes in [from, to). */
  async calendar(from: Date, to: Date, ciId?: string) {
    return withTransaction(this.deps.knex, async (trx) => ({
      changes: await calendarChanges(trx, from, to, ciId),
      maintenanceWindows: await listWindows(trx, { from, to, ...(ciId ? { ciIds: [ciId] } : {}) }),
      freezes: (await listFreezes(trx, { from, to })).filter((f) => !ciId || f.ciIds.length === 0 || f.ciIds.includes(ciId)),
    }));
  }
}
