import type { Migration } from '@itsm/db';

/** The release record, its history, the deployment events recorded from the workflow, rollbacks done, and the change read copy. */
export const createRelease: Migration = {
  name: '20261203_0001_create_release',
  async up(knex) {
    await knex.raw('CREATE SEQUENCE release_number_seq START 1');
    await knex.schema.createTable('release', (t) => {
      t.uuid('id').primary();
      t.text('number').notNullable().unique();
      t.text('name').notNullable();
      t.text('version').notNullable();
      t.text('description').notNullable().defaultTo('');
      t.text('type').notNullable();
      t.text('state').notNullable();
      t.jsonb('changes').notNullable();
      t.specificType('change_ids', 'text[]').notNullable().defaultTo('{}');
      t.jsonb('stages').notNullable();
      t.timestamp('window_start', { useTz: true });
      t.timestamp('window_end', { useTz: true });
      t.text('created_by').notNullable();
      t.timestamp('created_at', { useTz: true }).notNullable();
      t.timestamp('updated_at', { useTz: true }).notNullable();
      t.text('workflow_id');
      t.text('deploy_requested_by');
      t.timestamp('deploy_started_at', { useTz: true });
      t.timestamp('ended_at', { useTz: true });
      t.text('current_stage');
      t.jsonb('failure');
      t.specificType('rolled_back_stages', 'text[]').notNullable().defaultTo('{}');
      t.text('cancel_reason');
      t.integer('record_version').notNullable();
    });
    await knex.raw('CREATE INDEX release_state_created ON release (state, created_at, id)');
    await knex.raw('CREATE INDEX release_created ON release (created_at, id)');
    await knex.raw('CREATE INDEX release_change_ids ON release USING gin (change_ids)');

    await knex.schema.createTable('release_history', (t) => {
      t.bigIncrements('id').primary();
      t.uuid('release_id').notNullable().references('release.id');
      t.timestamp('at', { useTz: true }).notNullable();
      t.text('actor_id').notNullable();
      t.text('actor_name');
      t.text('action').notNullable();
      t.text('field');
      t.jsonb('from');
      t.jsonb('to');
      t.index(['release_id', 'id']);
    });

    /** Deployment events from the workflow, once each (the activity's idempotency key). */
    await knex.schema.createTable('deployment_event', (t) => {
      t.text('event_id').primary();
      t.uuid('release_id').notNullable().references('release.id');
      t.text('type').notNullable();
      t.text('stage');
      t.timestamp('occurred_at', { useTz: true }).notNullable();
      t.jsonb('payload').notNullable();
      t.text('outcome').notNullable(); // applied | ignored
      t.timestamp('recorded_at', { useTz: true }).notNullable();
      t.index(['release_id', 'occurred_at']);
    });

    /** Stage rollbacks done, once each (the activity's idempotency key). */
    await knex.schema.createTable('stage_rollback', (t) => {
      t.text('idempotency_key').primary();
      t.uuid('release_id').notNullable().references('release.id');
      t.text('stage').notNullable();
      t.text('method').notNullable(); // webhook | manual
      t.text('detail');
      t.timestamp('done_at', { useTz: true }).notNullable();
    });

    await knex.schema.createTable('change_copy', (t) => {
      t.text('id').primary();
      t.text('number').notNullable().unique();
      t.text('title').notNullable();
      t.text('type').notNullable();
      t.text('state').notNullable();
      t.text('approval_status');
      t.integer('revision');
      t.integer('approved_revision');
      t.integer('source_version');
      t.text('last_event_type').notNullable();
      t.timestamp('updated_at', { useTz: true }).notNullable();
    });
  },
  async down(knex) {
    for (const t of ['change_copy', 'stage_rollback', 'deployment_event', 'release_history', 'release']) await knex.schema.dropTableIfExists(t);
    await knex.raw('DROP SEQUENCE IF EXISTS release_number_seq');
  },
};
