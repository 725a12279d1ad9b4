/** Clocks (with their history) and compliance reports. Every instant is UTC ISO 8601. */
import { NotFoundError, ValidationError } from '@itsm/core';
import { hasRole, keysetPage, paginationQuery, z, type AuthUser, type HttpApi } from '@itsm/http';
import { evaluate, measureView } from '../domain/clock-view';
import { complianceRows, type ReportInput } from '../domain/report';
import * as repo from '../repository/clock.repository';
import { toClockFact, type SlaDeps } from '../service/clock.service';
import { clockDto } from './schemas';

const instant = z.iso.datetime({ offset: true });

async function clockView(deps: SlaDeps, c: repo.ClockRecord, asOf: number, withHistory: boolean) {
  const facts = (await repo.listFacts(deps.knex, c.ticketNumber)).map(toClockFact);
  const snap = { definition: c.definition, calendar: c.calendar };
  const view = {
    id: c.id,
    ticket: { type: c.ticketType, id: c.ticketId, number: c.ticketNumber },
    kind: c.kind,
    target: c.target,
    group: c.group,
    definition: { id: c.definition.id, name: c.definition.name, version: c.definition.version },
    calendar: { id: c.calendar.id, name: c.calendar.name, version: c.calendar.version, timeZone: c.calendar.calendar.timeZone },
    workflowId: c.workflowId,
    ...measureView(snap, evaluate(snap, facts, asOf), asOf),
    imported: c.importedAt !== null,
  };
  if (!withHistory) return view;
  const history = (await repo.historyOf(deps.knex, c.id)).map((h) => ({
    at: h.at.toISOString(),
    kind: h.kind,
    historical: h.historical,
    factKey: h.factKey,
    details: h.details,
    by: h.by,
    recordedAt: h.recordedAt.toISOString(),
  }));
  return { ...view, history };
}

const isStaff = (user: AuthUser) => hasRole(user, 'agent', 'sla_manager');

/** Requesters see the clocks of the incidents they reported, nothing else (404 otherwise: no existence leak). */
async function assertMayRead(deps: SlaDeps, user: AuthUser, ticketNumber: string, what: string, id: string): Promise<void> {
  if (isStaff(user)) return;
  const ticket = await repo.findTicket(deps.knex, ticketNumber);
  if (!ticket || ticket.callerId !== user.id) throw new NotFoundError(what, id);
}

export function clockRoutes(api: HttpApi, deps: SlaDeps): void {
  const tags = ['Clocks'];
  api.route({
    method: 'get',
    path: '/api/v1/sla/clocks',
    summary: "List SLA clocks (a ticket's, or all; requesters: only their own incidents' clocks, by ticket)",
    tags,
    roles: ['agent', 'sla_manager', 'requester'],
    query: paginationQuery.extend({
      ticket: z.string().min(1).max(64).optional(),
      status: z.enum(['running', 'paused', 'met', 'breached', 'cancelled', 'waiting']).optional(),
      asOf: instant.optional().openapi({ description: 'Evaluate the clocks at this instant (default now)' }),
    }),
    responses: { 200: { description: 'Clocks', schema: z.object({ items: z.array(clockDto), nextCursor: z.string().nullable() }) } },
    handler: async ({ query, user }) => {
      const asOf = query.asOf ? Date.parse(query.asOf) : deps.clock.now().getTime();
      if (!isStaff(user) && !query.ticket) throw new ValidationError('Name your incident', [{ field: 'ticket', message: 'is required for requesters' }]);
      if (query.ticket) {
        const ticket = await repo.findTicket(deps.knex, query.ticket);
        if (!isStaff(user) && ticket?.callerId !== user.id) return { status: 200, body: { items: [], nextCursor: null } };
        const clocks = (await repo.clocksOfTicket(deps.knex, query.ticket)).filter((c) => !query.status || c.status === query.status);
        return { status: 200, body: { items: await Promise.all(clocks.map((c) => clockView(deps, c, asOf, false))), nextCursor: null } };
      }
      const q = deps.knex('sla_clock');
      if (query.status) q.where('status', query.status);
      const page = await keysetPage<Record<string, unknown>>(q, { sort: [{ column: 'id', direction: 'asc' }], cursor: query.cursor, limit: query.limit });
      const items = await Promise.all(page.items.map((r) => clockView(deps, repo.clockFromRow(r), asOf, false)));
      return { status: 200, body: { items, nextCursor: page.nextCursor } };
    },
  });

  api.route({
    method: 'get',
    path: '/api/v1/sla/clocks/:id',
    summary: 'One SLA clock with its history',
    description: 'The clock evaluated now (or at `asOf`) from the ticket timeline, with its history: started, paused, resumed, priority changed, stopped, reopened, recomputed, warnings, breach, met.',
    tags,
    roles: ['agent', 'sla_manager', 'requester'],
    params: z.object({ id: z.string().min(1).max(200) }),
    query: z.object({ asOf: instant.optional() }),
    responses: { 200: { description: 'The clock', schema: clockDto } },
    handler: async ({ params, query, user }) => {
      const c = await repo.findClock(deps.knex, params.id);
      if (!c) throw new NotFoundError('SLA clock', params.id);
      await assertMayRead(deps, user, c.ticketNumber, 'SLA clock', params.id);
      const asOf = query.asOf ? Date.parse(query.asOf) : deps.clock.now().getTime();
      return { status: 200, body: await clockView(deps, c, asOf, true) };
    },
  });

  const stats = z.object({ count: z.number(), meanMs: z.number().nullable(), p50Ms: z.number().nullable(), p90Ms: z.number().nullable() });
  api.route({
    method: 'get',
    path: '/api/v1/sla/reports/compliance',
    summary: 'SLA compliance per priority or group',
    description:
      'Clocks of tickets opened in [from, to), evaluated now: counts and shares met, breached and still running (cancelled clocks do not count), and the business time to respond and to resolve (mean, p50, p90 of the stopped clocks).',
    tags: ['Reports'],
    roles: ['agent', 'sla_manager'],
    query: z
      .object({
        groupBy: z.enum(['priority', 'group']).default('priority'),
        from: instant.optional(),
        to: instant.optional(),
        kind: z.enum(['sla', 'ola']).default('sla'),
      })
      .refine((q) => !q.from || !q.to || Date.parse(q.to) > Date.parse(q.from), { message: 'must be after from', path: ['to'] }),
    responses: {
      200: {
        description: 'The report',
        schema: z.object({
          groupBy: z.string(),
          kind: z.string(),
          from: z.string().nullable(),
          to: z.string().nullable(),
          asOf: z.string(),
          rows: z.array(
            z.object({
              key: z.string(),
              clocks: z.object({ total: z.number(), met: z.number(), breached: z.number(), running: z.number(), paused: z.number(), cancelled: z.number() }),
              share: z.object({ met: z.number(), breached: z.number(), running: z.number() }),
              response: stats,
              resolution: stats,
            }),
          ),
        }),
      },
    },
    handler: async ({ query }) => {
      const asOf = deps.clock.now().getTime();
      const clocks = await repo.clocksOpenedBetween(deps.knex, query.from ? new Date(query.from) : undefined, query.to ? new Date(query.to) : undefined, query.kind);
      // every timeline (and group) in a few queries
      const tickets = [...new Set(clocks.map((c) => c.ticketNumber))];
      const facts = await repo.factsOfTickets(deps.knex, tickets);
      const groups = query.groupBy === 'group' ? await repo.assignmentGroupsOf(deps.knex, tickets) : undefined;
      const items: ReportInput[] = [];
      for (const c of clocks) {
        const clock = evaluate({ definition: c.definition, calendar: c.calendar }, (facts.get(c.ticketNumber) ?? []).map(toClockFact), asOf);
        if (!clock) continue;
        const key = query.groupBy === 'priority' ? (clock.priority === null ? 'none' : `P${clock.priority}`) : (c.group ?? groups?.get(c.ticketNumber) ?? 'unassigned');
        items.push({ key, target: c.target, clock });
      }
      return {
        status: 200,
        body: { groupBy: query.groupBy, kind: query.kind, from: query.from ?? null, to: query.to ?? null, asOf: new Date(asOf).toISOString(), rows: complianceRows(items) },
      };
    },
  });
}
