import { Kafka, logLevel, type Admin, type KafkaConfig } from 'kafkajs';
import type { Logger } from '@itsm/core';
import { ALL_TOPICS } from './topics';

export type { Kafka };

/** A kafkajs client whose logs go through pino. */
export function createKafka(opts: { clientId: string; brokers: string[]; logger?: Logger } & Partial<KafkaConfig>): Kafka {
  const { logger, ...rest } = opts;
  return new Kafka({
    retry: { initialRetryTime: 200, retries: 8 },
    ...rest,
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log }) => {
        if (!logger) return;
        const { message, ...extra } = log;
        const fn = level <= logLevel.ERROR ? 'error' : level === logLevel.WARN ? 'warn' : 'debug';
        logger[fn]({ kafka: extra }, message);
      },
  });
}

/** Creates the project's topics (and their dead-letter topics) when missing. Auto-create is off on our brokers. */
export async function ensureTopics(
  kafka: Kafka,
  topics: string[] = ALL_TOPICS,
  opts: { numPartitions?: number; replicationFactor?: number; topicPrefix?: string } = {},
): Promise<void> {
  const { numPartitions = 3, replicationFactor = 1, topicPrefix = '' } = opts;
  topics = topics.map((t) => topicPrefix + t);
  const admin: Admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t));
    if (missing.length) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({ topic, numPartitions, replicationFactor })),
      });
    }
  } catch (e) {
    // Another process may have created them concurrently.
    if ((e as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS') throw e;
  } finally {
    await admin.disconnect();
  }
}
