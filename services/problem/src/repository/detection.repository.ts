import type { Knex } from '@itsm/db';

/**
 * Serialises detection per cluster: a transaction-scoped advisory lock per
 * cluster key, taken (in key order) before the incident copy is written, so
 * that two incidents of one cluster handled at once see each other.
 */
export async function lockClusters(trx: Knex.Transaction, keys: string[]): Promise<void> {
  for (const k of [...keys].sort()) {
    await trx.raw("SELECT pg_advisory_xact_lock(hashtextextended('problem-detection:' || ?, 0))", [k]);
  }
}

/** The open candidate problem of a cluster, if any. */
export async function activeCluster(trx: Knex.Transaction, key: string): Promise<string | undefined> {
  const row = await trx('detection_cluster').select('problem_id').where({ cluster_key: key, active: true }).first();
  return row?.problem_id as string | undefined;
}

export async function insertCluster(trx: Knex.Transaction, key: string, problemId: string, at: Date): Promise<void> {
  await trx('detection_cluster').insert({ cluster_key: key, problem_id: problemId, active: true, created_at: at });
}

/** A candidate that is no longer open releases its cluster: a new recurrence opens a new candidate. */
export async function releaseClusters(trx: Knex.Transaction, problemId: string): Promise<void> {
  await trx('detection_cluster').where({ problem_id: problemId, active: true }).update({ active: false });
}
