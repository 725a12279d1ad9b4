/** One topic per aggregate type; `<topic>.dlq` holds what a consumer could not process. */
export const TOPICS = {
  incident: 'itsm.incident.v1',
  problem: 'itsm.problem.v1',
  change: 'itsm.change.v1',
  release: 'itsm.release.v1',
  sla: 'itsm.sla.v1',
} as const;

export type Aggregate = keyof typeof TOPICS;
export type Topic = (typeof TOPICS)[Aggregate];

export const dlqTopic = (topic: string): string => `${topic}.dlq`;

/** The topic of an event type: `itsm.incident.created.v1` → `itsm.incident.v1`. */
export function topicForType(type: string): string {
  const m = /^itsm\.([a-z_]+)\.[a-z_]+\.v(\d+)$/.exec(type);
  if (!m) throw new Error(`Not an event type: ${type}`);
  const topic = `itsm.${m[1]}.v1`;
  if (!Object.values(TOPICS).includes(topic as Topic)) throw new Error(`No topic for event type ${type}`);
  return topic;
}

export const ALL_TOPICS: string[] = Object.values(TOPICS).flatMap((t) => [t, dlqTopic(t)]);
