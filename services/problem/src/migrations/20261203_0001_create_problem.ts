import type { Migration } from '@itsm/db';

/** The problem record, its links, history, comments, the incident read copy and detection clusters. */
export const createProblem: Migration = {
  name: '20261203_0001_create_problem',
  async up(knex) {
    await knex.raw('CREATE SEQUENCE problem_number_seq START 1');
    await knex.schema.createTable('problem', (t) => {
      t.uuid('id').primary();
      t.text('number').notNullable().unique();
      t.text('title').notNullable();
      t.text('description').notNullable().defaultTo('');
      t.text('category');
      t.text('subcategory');
      t.text('symptom');
      t.specificType('ci_ids', 'text[]').notNullable().defaultTo('{}');
      t.smallint('impact').notNullable();
      t.smallint('urgency').notNullable();
      t.smallint('priority').notNullable();
      t.text('assignment_group');
      t.text('owner');
      t.text('state').notNullable();
      t.text('root_cause');
      t.text('workaround');
      t.boolean('known_error').notNullable().defaultTo(false);
      t.timestamp('known_error_at', { useTz: true });
      t.text('resolution_code');
      t.text('resolution_notes');
      t.text('fix_change_id');
      t.text('fix_change_number');
      t.jsonb('fix_request');
      t.timestamp('fix_requested_at', { useTz: true });
      t.boolean('candidate').notNullable().defaultTo(false);
      t.text('detection_key');
      t.text('source');
      t.text('source_number');
      t.text('opened_by').notNullable();
      t.timestamp('opened_at', { useTz: true }).notNullable();
      t.timestamp('resolved_at', { useTz: true });
      t.timestamp('closed_at', { useTz: true });
      t.timestamp('updated_at', { useTz: true }).notNullable();
      t.integer('version').notNullable();
      t.unique(['source', 'source_number']);
    });
    await knex.raw(`
      ALTER TABLE problem ADD COLUMN search tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', coalesce(title, '')), 'A') ||
        setweight(to_tsvector('english', coalesce(symptom, '') || ' ' || coalesce(category, '') || ' ' || coalesce(subcategory, '')), 'B') ||
        setweight(to_tsvector('english', coalesce(root_cause, '') || ' ' || coalesce(workaround, '')), 'B') ||
        setweight(to_tsvector('english', coalesce(description, '')), 'C')
      ) STORED`);
    await knex.raw('CREATE INDEX problem_search ON problem USING gin (search)');
    await knex.raw('CREATE INDEX problem_ci_ids ON problem USING gin (ci_ids)');
    await knex.raw('CREATE INDEX problem_state_opened ON problem (state, opened_at, id)');
    await knex.raw('CREATE INDEX problem_opened ON problem (opened_at, id)');
    await knex.raw('CREATE INDEX problem_known_error ON problem (category, symptom) WHERE known_error');

    await knex.schema.createTable('incident_copy', (t) => {
      t.text('id').primary();
      t.text('number').notNullable().unique();
      t.text('title').notNullable();
      t.text('state').notNullable();
      t.text('hold_reason');
      t.text('category');
      t.text('subcategory');
      t.text('symptom');
      t.text('ci_id');
      t.smallint('impact');
      t.smallint('urgency');
      t.smallint('priority');
      t.text('problem_ref');
      t.timestamp('opened_at', { useTz: true }).notNullable();
      /** business time of the incident's first event here (detection windows use it) */
      t.timestamp('occurred_at', { useTz: true }).notNullable();
      t.integer('version');
      t.timestamp('updated_at', { useTz: true }).notNullable();
    });
    await knex.raw('CREATE INDEX incident_copy_ci ON incident_copy (ci_id, occurred_at)');
    await knex.raw('CREATE INDEX incident_copy_cat_sym ON incident_copy (category, symptom, occurred_at)');

    await knex.schema.createTable('problem_incident', (t) => {
      t.uuid('problem_id').notNullable().references('problem.id');
      t.text('incident_id').notNullable().unique(); // many incidents to one problem
      t.text('incident_number').notNullable();
      t.text('linked_by').notNullable();
      t.timestamp('linked_at', { useTz: true }).notNullable();
      t.primary(['problem_id', 'incident_id']);
    });

    await knex.schema.createTable('problem_history', (t) => {
      t.bigIncrements('id').primary();
      t.uuid('problem_id').notNullable().references('problem.id');
      t.timestamp('at', { useTz: true }).notNullable();
      t.text('actor_id').notNullable();
      t.text('actor_name');
      t.text('action').notNullable();
      t.text('field');
      t.jsonb('from');
      t.jsonb('to');
      t.index(['problem_id', 'id']);
    });

    await knex.schema.createTable('problem_comment', (t) => {
      t.uuid('id').primary();
      t.uuid('problem_id').notNullable().references('problem.id');
      t.text('visibility').notNullable();
      t.text('body').notNullable();
      t.text('author_id').notNullable();
      t.text('author_name');
      t.timestamp('created_at', { useTz: true }).notNullable();
      t.index(['problem_id', 'created_at']);
    });

    await knex.schema.createTable('detection_cluster', (t) => {
      t.bigIncrements('id').primary();
      t.text('cluster_key').notNullable();
      t.uuid('problem_id').notNullable().references('problem.id');
      t.boolean('active').notNullable().defaultTo(true);
      t.timestamp('created_at', { useTz: true }).notNullable();
    });
    await knex.raw('CREATE UNIQUE INDEX detection_cluster_active ON detection_cluster (cluster_key) WHERE active');
  },
  async down(knex) {
    for (const t of ['detection_cluster', 'problem_comment', 'problem_history', 'problem_incident', 'incident_copy', 'problem']) {
      await knex.schema.dropTableIfExists(t);
    }
    await knex.raw('DROP SEQUENCE IF EXISTS problem_number_seq');
  },
};
