import { PoisonMessageError, on, problemEvents, TOPICS } from '@itsm/events';
import type { ConsumerDefinition } from '@itsm/runtime';
import { z } from 'zod';
import { SYSTEM_ACTOR } from '../domain/types';
import type { Services } from '../service/services';

const FixRequestDraft = z.object({
  title: z.string().min(1).max(255),
  description: z.string().default(''),
  justification: z.string().default(''),
  type: z.enum(['standard', 'normal', 'emergency']).default('normal'),
  ciIds: z.array(z.string()).default([]),
  problemId: z.string(),
  problemNumber: z.string(),
  rootCause: z.string().nullable().optional(),
  workaround: z.string().nullable().optional(),
  requestedBy: z.string().optional(),
});

/** `itsm.problem.fix_requested.v1`: raise the normal RfC draft that fixes the problem (once per request). */
export function problemConsumer(s: Services): ConsumerDefinition {
  return {
    name: 'problem-events',
    topics: [TOPICS.problem],
    handlers: [
      on(problemEvents.fixRequested, async (e, trx) => {
        const parsed = FixRequestDraft.safeParse({ problemId: e.data.problem.id, problemNumber: e.data.problem.number, ...e.data.request });
        if (!parsed.success) throw new PoisonMessageError(`fix request without a usable RfC draft: ${parsed.error.message}`);
        await s.intake.raiseFix(trx, parsed.data, `problem-fix:${e.id}`, { actor: SYSTEM_ACTOR, correlationId: e.correlationid, causationId: e.id });
      }),
    ],
  };
}
