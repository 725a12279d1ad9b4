import { isUniqueViolation, withTransaction } from '@itsm/db';
import type { Actor, Incident } from '../domain/types';
import * as repo from '../repository/incident.repository';
import * as misc from '../repository/misc.repository';
import type { IncidentService } from './incident.service';

export interface InboundMail {
  messageId: string;
  from: string;
  subject: string;
  body: string;
  impact?: number;
  urgency?: number;
}

/**
 * One incident per Message-ID (C16 B): the first delivery creates it; any
 * later delivery of the same message (a mail fetcher retrying after an error)
 * creates nothing and is counted as a duplicate on the message's record.
 */
export async function ingestMail(svc: IncidentService, mail: InboundMail, actor: Actor): Promise<{ incident: Incident; duplicate: boolean; duplicateCount: number }> {
  const duplicate = () =>
    withTransaction(svc.knex, async (trx) => {
      const d = await misc.recordDuplicateMessage(trx, mail.messageId, svc.now());
      if (!d) return undefined;
      const inc = await repo.findById(trx, d.incidentId);
      return inc ? { incident: inc, duplicate: true, duplicateCount: d.duplicateCount } : undefined;
    });
  const seen = await duplicate();
  if (seen) return seen;
  try {
    return await withTransaction(svc.knex, async (trx) => {
      const inc = await svc.createIn(
        trx,
        {
          title: mail.subject.slice(0, 255) || '(no subject)',
          description: mail.body,
          callerId: mail.from,
          contactType: 'email',
          impact: mail.impact ?? 3,
          urgency: mail.urgency ?? 3,
          sourceMessageId: mail.messageId,
        },
        actor,
      );
      // Waits on a concurrent delivery of the same message; fails (unique) when that one committed.
      await misc.claimInboundMessage(trx, mail.messageId, inc.id, svc.now());
      return { incident: inc, duplicate: false, duplicateCount: 0 };
    });
  } catch (e) {
    if (!isUniqueViolation(e)) throw e;
    const again = await duplicate();
    if (!again) throw e;
    return again;
  }
}
