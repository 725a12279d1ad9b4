import { paginationQuery, z, type HttpApi } from '@itsm/http';
import type { Services } from '../service/services';
import { READ } from './roles';
import { IncidentOnlyParams, ProblemDto, StateSchema, pageOf, text, toDto } from './schemas';

const tags = ['Known errors'];

const KnownErrorDto = ProblemDto.extend({ rank: z.number().nullable() }).openapi('KnownError');
const SuggestionDto = ProblemDto.extend({
  score: z.number(),
  reasons: z.array(z.enum(['same_ci', 'same_category', 'same_symptom', 'similar_text'])),
}).openapi('KnownErrorSuggestion');

/** The known error database and the suggestions for an incident. */
export function knownErrorRoutes(api: HttpApi, s: Services): void {
  api.route({
    method: 'get',
    path: '/api/v1/known-errors',
    summary: 'Search the known error database',
    description: 'Full-text `q` (title, symptom, root cause, workaround, description; ranked), and filters on CI, category, symptom and state. Closed problems are included with `includeRetired=true`.',
    tags,
    roles: READ,
    query: paginationQuery.extend({
      q: text(500).optional(),
      ci: text(200).optional(),
      category: text(100).optional(),
      symptom: text(200).optional(),
      state: z.array(StateSchema).optional(),
      includeRetired: z.boolean().optional(),
    }),
    responses: { 200: { description: 'One page, best match first when `q` is given', schema: pageOf(KnownErrorDto, 'KnownErrorPage') } },
    handler: async ({ query }) => {
      const page = await s.knownErrors.search(
        { q: query.q || undefined, ciId: query.ci, category: query.category, symptom: query.symptom, state: query.state, includeRetired: query.includeRetired },
        { cursor: query.cursor, limit: query.limit },
      );
      return { status: 200, body: { items: page.items.map((p) => ({ ...toDto(p), rank: p.rank })), nextCursor: page.nextCursor } };
    },
  });

  api.route({
    method: 'get',
    path: '/api/v1/incidents/:number/known-error-suggestions',
    summary: 'Known errors that may apply to an incident (same CI, category, symptom, similar text)',
    tags,
    roles: READ,
    params: IncidentOnlyParams,
    query: z.object({ limit: z.number().int().min(1).max(50).default(10) }),
    responses: {
      200: { description: 'Best first', schema: z.object({ incident: z.object({ id: z.string(), number: z.string() }), items: z.array(SuggestionDto) }) },
      404: { description: 'Incident not known to problem management' },
    },
    handler: async ({ params, query }) => {
      const r = await s.knownErrors.suggestFor(params.number, query.limit);
      return {
        status: 200,
        body: {
          incident: { id: r.incident.id, number: r.incident.number },
          items: r.items.map((p) => ({
            ...toDto(p),
            score: p.score,
            reasons: [
              ...(p.ciMatch ? ['same_ci' as const] : []),
              ...(p.categoryMatch ? ['same_category' as const] : []),
              ...(p.symptomMatch ? ['same_symptom' as const] : []),
              ...(p.textRank > 0 ? ['similar_text' as const] : []),
            ],
          })),
        },
      };
    },
  });
}
