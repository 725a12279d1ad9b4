import type { Migration } from '@itsm/db';

/**
 * The RfC, its history, comments, voting rounds and votes, the approval facts
 * (idempotency keys of the workflow activities), the approver groups, the
 * standard change catalogue, CIs, maintenance windows and freezes.
 */
export const createChange: Migration = {
  name: '20261203_0001_create_change',
  async up(knex) {
    await knex.raw('CREATE SEQUENCE change_number_seq START 1');
    await knex.schema.createTable('change_request', (t) => {
      t.uuid('id').primary();
      t.text('number').notNullable().unique();
      t.text('title').notNullable();
      t.text('description').notNullable().defaultTo('');
      t.text('justification').notNullable().defaultTo('');
      t.text('type').notNullable();
      t.text('category');
      t.specificType('ci_ids', 'text[]').notNullable().defaultTo('{}');
      t.text('requested_by').notNullable();
      t.text('requested_by_name');
      t.text('owner');
      t.text('assignment_group');
      t.text('impact').notNullable();
      t.text('risk');
      t.jsonb('risk_reasons').notNullable().defaultTo('[]');
      t.text('implementation_plan');
      t.text('backout_plan');
      t.text('test_plan');
      t.timestamp('planned_start', { useTz: true });
      t.timestamp('planned_end', { useTz: true });
      t.timestamp('actual_start', { useTz: true });
      t.timestamp('actual_end', { useTz: true });
      t.specificType('problem_ids', 'text[]').notNullable().defaultTo('{}');
      t.specificType('incident_ids', 'text[]').notNullable().defaultTo('{}');
      t.integer('revision').notNullable();
      t.text('state').notNullable();
      t.text('approval_status').notNullable();
      t.integer('approved_revision');
      t.integer('approval_round');
      t.text('cab_group');
      t.uuid('template_id');
      t.text('outcome');
      t.text('outcome_notes');
      t.text('pir');
      t.jsonb('scheduled_conflicts').notNullable().defaultTo('[]');
      t.text('rejection_reason');
      t.text('cancel_reason');
      t.text('source_key').unique();
      t.timestamp('submitted_at', { useTz: true });
      t.timestamp('created_at', { useTz: true }).notNullable();
      t.timestamp('updated_at', { useTz: true }).notNullable();
      t.timestamp('closed_at', { useTz: true });
      t.integer('version').notNullable();
    });
    await knex.raw('CREATE INDEX change_request_state ON change_request (state)');
    await knex.raw('CREATE INDEX change_request_requested_by ON change_request (requested_by)');
    await knex.raw('CREATE INDEX change_request_ci_ids ON change_request USING gin (ci_ids)');
    await knex.raw('CREATE INDEX change_request_problem_ids ON change_request USING gin (problem_ids)');
    await knex.raw('CREATE INDEX change_request_window ON change_request (planned_start, planned_end)');

    await knex.schema.createTable('change_history', (t) => {
      t.bigIncrements('id').primary();
      t.uuid('change_id').notNullable().references('change_request.id');
      t.timestamp('at', { useTz: true }).notNullable();
      t.text('actor_id').notNullable();
      t.text('actor_name');
      t.text('action').notNullable();
      t.integer('revision').notNullable();
      t.text('field');
      t.jsonb('from');
      t.jsonb('to');
    });
    await knex.raw('CREATE INDEX change_history_change ON change_history (change_id, id)');

    await knex.schema.createTable('change_comment', (t) => {
      t.uuid('id').primary();
      t.uuid('change_id').notNullable().references('change_request.id');
      t.text('visibility').notNullable();
      t.text('body').notNullable();
      t.text('author_id').notNullable();
      t.text('author_name');
      t.timestamp('created_at', { useTz: true }).notNullable();
    });
    await knex.raw('CREATE INDEX change_comment_change ON change_comment (change_id, created_at)');

    await knex.schema.createTable('change_round', (t) => {
      t.uuid('change_id').notNullable().references('change_request.id');
      t.integer('round').notNullable();
      t.integer('revision').notNullable();
      t.text('route').notNullable();
      t.text('group_name').notNullable();
      t.jsonb('approvers').notNullable();
      t.jsonb('policy').notNullable();
      t.text('risk');
      t.timestamp('opened_at', { useTz: true }).notNullable();
      t.timestamp('deadline', { useTz: true }).notNullable();
      t.text('status').notNullable();
      t.jsonb('tally');
      t.timestamp('decided_at', { useTz: true });
      t.primary(['change_id', 'round']);
    });

    await knex.schema.createTable('change_vote', (t) => {
      t.uuid('change_id').notNullable().references('change_request.id');
      t.integer('round').notNullable();
      t.text('voter').notNullable();
      t.integer('revision').notNullable();
      t.text('decision').notNullable();
      t.text('comment');
      t.timestamp('cast_at', { useTz: true }).notNullable();
      t.primary(['change_id', 'round', 'voter']);
    });

    await knex.schema.createTable('approval_fact', (t) => {
      t.text('key').primary();
      t.uuid('change_id').notNullable().references('change_request.id');
      t.text('kind').notNullable();
      t.jsonb('data');
      t.timestamp('at', { useTz: true }).notNullable();
    });

    await knex.schema.createTable('approver_group', (t) => {
      t.text('name').primary();
      t.text('purpose').notNullable();
      t.text('description').notNullable().defaultTo('');
      t.specificType('members', 'text[]').notNullable();
      t.jsonb('policy').notNullable();
      t.boolean('is_default').notNullable().defaultTo(false);
      t.integer('version').notNullable();
      t.timestamp('updated_at', { useTz: true }).notNullable();
    });
    await knex.raw('CREATE UNIQUE INDEX approver_group_default ON approver_group (purpose) WHERE is_default');

    await knex.schema.createTable('standard_template', (t) => {
      t.uuid('id').primary();
      t.text('name').notNullable().unique();
      t.text('description').notNullable().defaultTo('');
      t.text('category');
      t.specificType('ci_ids', 'text[]').notNullable().defaultTo('{}');
      t.text('impact').notNullable();
      t.text('implementation_plan').notNullable();
      t.text('backout_plan');
      t.text('test_plan');
      t.boolean('active').notNullable().defaultTo(true);
      t.integer('version').notNullable();
      t.timestamp('updated_at', { useTz: true }).notNullable();
    });

    await knex.schema.createTable('config_item', (t) => {
      t.text('id').primary();
      t.text('name').notNullable();
      t.text('criticality').notNullable();
      t.timestamp('updated_at', { useTz: true }).notNullable();
    });

    await knex.schema.createTable('maintenance_window', (t) => {
      t.uuid('id').primary();
      t.text('ci_id').notNullable();
      t.timestamp('starts_at', { useTz: true }).notNullable();
      t.timestamp('ends_at', { useTz: true }).notNullable();
      t.text('description').notNullable().defaultTo('');
    });
    await knex.raw('CREATE INDEX maintenance_window_ci ON maintenance_window (ci_id, starts_at)');

    await knex.schema.createTable('freeze_period', (t) => {
      t.uuid('id').primary();
      t.text('name').notNullable();
      t.timestamp('starts_at', { useTz: true }).notNullable();
      t.timestamp('ends_at', { useTz: true }).notNullable();
      t.specificType('ci_ids', 'text[]').notNullable().defaultTo('{}');
      t.text('reason').notNullable().defaultTo('');
    });
  },
  async down(knex) {
    for (const t of ['freeze_period', 'maintenance_window', 'config_item', 'standard_template', 'approver_group', 'approval_fact', 'change_vote', 'change_round', 'change_comment', 'change_history', 'change_request']) {
      await knex.schema.dropTableIfExists(t);
    }
    await knex.raw('DROP SEQUENCE IF EXISTS change_number_seq');
  },
};
