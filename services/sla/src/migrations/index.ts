/** The SLA service's migrations, in order. Names are dated and never edited. */
import type { Migration } from '@itsm/db';
import { DEFAULT_CALENDARS, DEFAULT_DEFINITIONS } from '../domain/defaults';

export const migrations: Migration[] = [
  {
    name: '20261203_0001_sla_schema',
    async up(knex) {
      await knex.schema.createTable('calendar', (t) => {
        t.text('id').primary();
        t.text('name').notNullable().unique();
        t.text('description').notNullable().defaultTo('');
        t.text('time_zone').notNullable();
        t.text('mode').notNullable();
        t.jsonb('week').notNullable();
        t.jsonb('holidays').notNullable();
        t.integer('version').notNullable().defaultTo(1);
        t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
        t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      });
      await knex.schema.createTable('sla_definition', (t) => {
        t.text('id').primary();
        t.text('name').notNullable().unique();
        t.text('description').notNullable().defaultTo('');
        t.text('kind').notNullable(); // sla | ola
        t.boolean('active').notNullable().defaultTo(true);
        t.jsonb('match').notNullable();
        t.jsonb('targets').notNullable();
        t.text('calendar_id').notNullable().references('calendar.id');
        t.jsonb('pause_states').notNullable();
        t.jsonb('warning_thresholds').notNullable();
        t.jsonb('breach_action').notNullable();
        t.integer('rank').notNullable().defaultTo(100);
        t.integer('version').notNullable().defaultTo(1);
        t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
        t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      });
      await knex.schema.createTable('ticket', (t) => {
        t.text('number').primary();
        t.text('id').notNullable();
        t.text('type').notNullable();
        t.text('caller_id');
        t.text('state').notNullable();
        t.integer('priority');
        t.text('category');
        t.text('ci_id');
        t.text('service');
        t.text('assignment_group');
        t.text('assignee');
        t.timestamp('opened_at', { useTz: true }).notNullable();
        t.timestamp('imported_at', { useTz: true });
        t.integer('version');
        t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      });
      await knex.schema.createTable('ticket_fact', (t) => {
        t.bigIncrements('seq').primary();
        t.text('id').notNullable().unique();
        t.text('ticket_number').notNullable().references('ticket.number');
        t.timestamp('at', { useTz: true }).notNullable();
        t.text('kind').notNullable();
        t.text('state');
        t.integer('priority');
        t.text('assignment_group');
        t.boolean('has_group').notNullable().defaultTo(false);
        t.text('assignee');
        t.text('event_type').notNullable();
        t.index(['ticket_number', 'at']);
      });
      await knex.schema.createTable('sla_clock', (t) => {
        t.text('id').primary();
        t.text('ticket_number').notNullable().references('ticket.number');
        t.text('ticket_id').notNullable();
        t.text('ticket_type').notNullable();
        t.text('kind').notNullable();
        t.text('target').notNullable();
        t.text('group');
        t.text('definition_id').notNullable();
        t.jsonb('definition').notNullable();
        t.text('calendar_id').notNullable();
        t.jsonb('calendar').notNullable();
        t.text('workflow_id').notNullable();
        t.text('status').notNullable();
        t.timestamp('due_at', { useTz: true });
        t.integer('priority');
        t.bigInteger('elapsed_ms').notNullable().defaultTo(0);
        t.bigInteger('paused_ms').notNullable().defaultTo(0);
        t.timestamp('breached_at', { useTz: true });
        t.timestamp('stopped_at', { useTz: true });
        t.timestamp('opened_at', { useTz: true }).notNullable();
        t.timestamp('imported_at', { useTz: true });
        t.integer('version').notNullable().defaultTo(1);
        t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
        t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
        t.index(['ticket_number']);
        t.index(['calendar_id']);
        t.index(['definition_id']);
      });
      await knex.schema.createTable('sla_clock_history', (t) => {
        t.bigIncrements('id').primary();
        t.text('clock_id').notNullable().references('sla_clock.id');
        t.timestamp('at', { useTz: true }).notNullable();
        t.text('kind').notNullable();
        // warnings, breach and met: one row per fact, whatever the retries
        t.text('fact_key').unique();
        t.boolean('historical').notNullable().defaultTo(false);
        t.jsonb('details').notNullable().defaultTo('{}');
        t.text('by');
        t.timestamp('recorded_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
        t.index(['clock_id', 'id']);
      });
    },
    async down(knex) {
      for (const t of ['sla_clock_history', 'sla_clock', 'ticket_fact', 'ticket', 'sla_definition', 'calendar']) await knex.schema.dropTable(t);
    },
  },
  {
    name: '20261203_0002_sla_default_data',
    async up(knex) {
      for (const c of DEFAULT_CALENDARS) {
        await knex('calendar').insert({ ...c, week: JSON.stringify(c.week), holidays: JSON.stringify(c.holidays) }).onConflict('id').ignore();
      }
      for (const d of DEFAULT_DEFINITIONS) {
        await knex('sla_definition')
          .insert({
            ...d,
            match: JSON.stringify(d.match),
            targets: JSON.stringify(d.targets),
            pause_states: JSON.stringify(d.pause_states),
            warning_thresholds: JSON.stringify(d.warning_thresholds),
            breach_action: JSON.stringify(d.breach_action),
          })
          .onConflict('id')
          .ignore();
      }
    },
    async down(knex) {
      await knex('sla_definition').whereIn('id', DEFAULT_DEFINITIONS.map((d) => d.id)).delete();
      await knex('calendar').whereIn('id', DEFAULT_CALENDARS.map((c) => c.id)).delete();
    },
  },
  {
    name: '20261203_0003_sla_pending_signal',
    async up(knex) {
      // signal-with-start calls written with the change that needs them, sent once it commits (service/signals.ts)
      await knex.schema.createTable('sla_pending_signal', (t) => {
        t.bigIncrements('id').primary();
        t.text('workflow_id').notNullable();
        t.text('signal').notNullable();
        t.jsonb('input').notNullable();
        t.jsonb('arg').notNullable();
        t.integer('attempts').notNullable().defaultTo(0);
        t.text('last_error');
        t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      });
    },
    async down(knex) {
      await knex.schema.dropTable('sla_pending_signal');
    },
  },
  {
    name: '20261203_0004_sla_config_epoch',
    async up(knex) {
      // bumped by every change to calendars and definitions: the consumer caches them per epoch (repository/config.repository.ts)
      await knex.raw(`
        CREATE TABLE sla_config_epoch (one boolean PRIMARY KEY DEFAULT true CHECK (one), n bigint NOT NULL);
        INSERT INTO sla_config_epoch VALUES (true, 1);
        CREATE FUNCTION sla_config_bump() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          UPDATE sla_config_epoch SET n = n + 1;
          RETURN NULL;
        END $$;
        CREATE TRIGGER calendar_config_epoch AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON calendar
          FOR EACH STATEMENT EXECUTE FUNCTION sla_config_bump();
        CREATE TRIGGER definition_config_epoch AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON sla_definition
          FOR EACH STATEMENT EXECUTE FUNCTION sla_config_bump();
      `);
    },
    async down(knex) {
      await knex.raw(`
        DROP TRIGGER definition_config_epoch ON sla_definition;
        DROP TRIGGER calendar_config_epoch ON calendar;
        DROP FUNCTION sla_config_bump();
        DROP TABLE sla_config_epoch;
      `);
    },
  },
];
