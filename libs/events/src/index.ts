export type { EnvelopeHeaders, EventEnvelope } from './envelope';
export { envelopeHeaderSchema, fromKafkaHeaders, toKafkaHeaders } from './envelope';
export { ALL_TOPICS, TOPICS, dlqTopic, topicForType } from './topics';
export type { Aggregate, Topic } from './topics';
export {
  EVENT_CATALOGUE,
  changeEvents,
  changeSnapshot,
  defineEvent,
  fixRequestDraft,
  incidentEvents,
  incidentSnapshot,
  problemEvents,
  problemSnapshot,
  releaseEvents,
  releaseSnapshot,
  slaEvents,
} from './catalogue';
export type { EventData, EventDefinition, IncidentSnapshot } from './catalogue';
export { OUTBOX_CHANNEL, appendOutbox, messagingMigrations, newEvent } from './outbox';
export type { NewEvent } from './outbox';
export { OutboxRelay } from './relay';
export type { RelayOptions } from './relay';
export { EventConsumer, PoisonMessageError, on } from './consumer';
export type { ConsumerOptions, Handler } from './consumer';
export { createKafka, ensureTopics } from './kafka';
