import { changeEvents, on, TOPICS, type EventDefinition } from '@itsm/events';
import type { ConsumerDefinition } from '@itsm/runtime';
import type { z } from 'zod';
import type { changeSnapshot } from '@itsm/events';
import { upsertChange } from '../repository/change-copy.repository';

type ChangeSnapshot = z.infer<typeof changeSnapshot>;

/**
 * The read copy of changes: every change event carries the change's
 * snapshot (state, approval status, revisions); the copy keeps the latest,
 * so that a release can tell which changes are approved or scheduled.
 */
export function changeCopyConsumer(): ConsumerDefinition {
  const handlers = (Object.values(changeEvents) as EventDefinition[]).map((def) =>
    on(def as EventDefinition<z.ZodType<{ change: ChangeSnapshot }>>, async (e, trx) => {
      const c = e.data.change;
      await upsertChange(trx, {
        id: c.id,
        number: c.number,
        title: c.title,
        type: c.type,
        state: c.state,
        approvalStatus: c.approvalStatus ?? null,
        revision: c.revision ?? null,
        approvedRevision: c.approvedRevision ?? null,
        sourceVersion: e.version ?? null,
        eventType: e.type,
        at: new Date(e.time),
      });
    }),
  );
  return { name: 'change-copy', topics: [TOPICS.change], handlers };
}
