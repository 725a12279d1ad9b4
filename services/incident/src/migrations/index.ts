import type { Migration } from '@itsm/db';

/** The incident service's schema, in order. Names are dated and never edited. */
export const incidentMigrations: Migration[] = [
  {
    name: '20261203_0100_incident',
    async up(knex) {
      await knex.raw('CREATE EXTENSION IF NOT EXISTS pg_trgm');
      // Numbers come from a sequence: never reused, also after a rolled back create.
      await knex.raw('CREATE SEQUENCE incident_number_seq START 1');
      await knex.raw(`
        CREATE TABLE incident (
          id uuid PRIMARY KEY,
          number text NOT NULL UNIQUE,
          title varchar(255) NOT NULL,
          description text NOT NULL DEFAULT '',
          caller_id text NOT NULL,
          opened_by text NOT NULL,
          contact_type text NOT NULL,
          location text, category text, subcategory text, symptom text, ci_id text,
          impact smallint NOT NULL CHECK (impact BETWEEN 1 AND 3),
          urgency smallint NOT NULL CHECK (urgency BETWEEN 1 AND 3),
          priority smallint NOT NULL CHECK (priority BETWEEN 1 AND 5),
          priority_override boolean NOT NULL DEFAULT false,
          state text NOT NULL,
          hold_reason text,
          assignment_group text,
          assignee text,
          reassignment_count int NOT NULL DEFAULT 0,
          reopen_count int NOT NULL DEFAULT 0,
          parent_id uuid REFERENCES incident(id),
          major boolean NOT NULL DEFAULT false,
          problem_id text,
          caused_by_change text,
          awaiting_change text,
          resolution_code text,
          resolution_notes text,
          knowledge boolean NOT NULL DEFAULT false,
          escalation_level int NOT NULL DEFAULT 0,
          functional_escalation_level int NOT NULL DEFAULT 0,
          sla_breached boolean NOT NULL DEFAULT false,
          sla_notices jsonb NOT NULL DEFAULT '[]',
          source_message_id text UNIQUE,
          source text,
          source_number text,
          opened_at timestamptz NOT NULL,
          first_response_at timestamptz,
          resolved_at timestamptz,
          closed_at timestamptz,
          updated_at timestamptz NOT NULL,
          version int NOT NULL,
          search tsvector GENERATED ALWAYS AS (to_tsvector('simple', coalesce(title, '') || ' ' || coalesce(description, ''))) STORED
        )`);
      await knex.raw('CREATE UNIQUE INDEX incident_source_number ON incident (source, source_number) WHERE source_number IS NOT NULL');
      await knex.raw('CREATE INDEX incident_opened ON incident (opened_at DESC, id DESC)');
      await knex.raw('CREATE INDEX incident_updated ON incident (updated_at DESC, id DESC)');
      await knex.raw('CREATE INDEX incident_state_opened ON incident (state, opened_at DESC, id DESC)');
      await knex.raw('CREATE INDEX incident_priority_opened ON incident (priority, opened_at DESC, id DESC)');
      await knex.raw('CREATE INDEX incident_group_opened ON incident (assignment_group, opened_at DESC, id DESC)');
      await knex.raw('CREATE INDEX incident_assignee_opened ON incident (assignee, opened_at DESC, id DESC)');
      await knex.raw('CREATE INDEX incident_caller_opened ON incident (caller_id, opened_at DESC, id DESC)');
      await knex.raw('CREATE INDEX incident_ci ON incident (ci_id)');
      await knex.raw('CREATE INDEX incident_category ON incident (category, subcategory)');
      await knex.raw('CREATE INDEX incident_parent ON incident (parent_id) WHERE parent_id IS NOT NULL');
      await knex.raw('CREATE INDEX incident_problem ON incident (problem_id) WHERE problem_id IS NOT NULL');
      await knex.raw(`CREATE INDEX incident_resolved_due ON incident (resolved_at) WHERE state = 'resolved'`);
      await knex.raw('CREATE INDEX incident_search ON incident USING gin (search)');
      await knex.raw('CREATE INDEX incident_title_trgm ON incident USING gin (title gin_trgm_ops)');

      await knex.raw(`
        CREATE TABLE incident_history (
          id bigserial PRIMARY KEY,
          incident_id uuid NOT NULL REFERENCES incident(id),
          at timestamptz NOT NULL,
          actor_id text NOT NULL,
          actor_name text,
          field text NOT NULL,
          from_value jsonb,
          to_value jsonb,
          version int NOT NULL
        )`);
      await knex.raw('CREATE INDEX incident_history_incident ON incident_history (incident_id, at, id)');

      await knex.raw(`
        CREATE TABLE incident_comment (
          id uuid PRIMARY KEY,
          incident_id uuid NOT NULL REFERENCES incident(id),
          visibility text NOT NULL CHECK (visibility IN ('public', 'internal')),
          body text NOT NULL,
          author_id text NOT NULL,
          author_name text,
          created_at timestamptz NOT NULL
        )`);
      await knex.raw('CREATE INDEX incident_comment_incident ON incident_comment (incident_id, created_at, id)');

      await knex.raw(`
        CREATE TABLE incident_escalation (
          incident_id uuid NOT NULL REFERENCES incident(id),
          kind text NOT NULL,
          level int NOT NULL,
          at timestamptz NOT NULL,
          reason text NOT NULL,
          actor_id text NOT NULL,
          to_group text,
          to_user text,
          PRIMARY KEY (incident_id, kind, level)
        )`);

      await knex.raw(`
        CREATE TABLE inbound_message (
          message_id text PRIMARY KEY,
          incident_id uuid NOT NULL REFERENCES incident(id),
          received_at timestamptz NOT NULL,
          duplicate_count int NOT NULL DEFAULT 0,
          last_duplicate_at timestamptz
        )`);

      await knex.raw(`
        CREATE TABLE assignment_group (
          id text PRIMARY KEY,
          name text NOT NULL,
          manager_id text,
          created_at timestamptz NOT NULL,
          updated_at timestamptz NOT NULL
        )`);
      await knex.raw(`
        CREATE TABLE assignment_group_member (
          group_id text NOT NULL REFERENCES assignment_group(id) ON DELETE CASCADE,
          user_id text NOT NULL,
          PRIMARY KEY (group_id, user_id)
        )`);
      await knex.raw('CREATE INDEX assignment_group_member_user ON assignment_group_member (user_id)');

      await knex.raw(`CREATE TABLE incident_setting (key text PRIMARY KEY, value jsonb NOT NULL, updated_at timestamptz NOT NULL, updated_by text NOT NULL)`);
    },
    async down(knex) {
      for (const t of ['incident_setting', 'assignment_group_member', 'assignment_group', 'inbound_message', 'incident_escalation', 'incident_comment', 'incident_history', 'incident']) {
        await knex.raw(`DROP TABLE IF EXISTS ${t}`);
      }
      await knex.raw('DROP SEQUENCE IF EXISTS incident_number_seq');
    },
  },
  {
    name: '20261203_0200_organisation',
    async up(knex) {
      // Requesters' organisations: when an organisation shares tickets, its members see each other's incidents (C18).
      await knex.raw(`
        CREATE TABLE organisation (
          id text PRIMARY KEY,
          name text NOT NULL,
          members_see_organisation_tickets boolean NOT NULL DEFAULT false,
          created_at timestamptz NOT NULL,
          updated_at timestamptz NOT NULL
        )`);
      await knex.raw(`
        CREATE TABLE organisation_member (
          organisation_id text NOT NULL REFERENCES organisation(id) ON DELETE CASCADE,
          user_id text NOT NULL,
          PRIMARY KEY (organisation_id, user_id)
        )`);
      await knex.raw('CREATE INDEX organisation_member_user ON organisation_member (user_id)');
    },
    async down(knex) {
      await knex.raw('DROP TABLE IF EXISTS organisation_member');
      await knex.raw('DROP TABLE IF EXISTS organisation');
    },
  },
  {
    name: '20261203_0300_incident_title_trigram_gist',
    async up(knex) {
      // "Similar incidents" orders by trigram distance of titles: a GiST index serves that nearest-neighbour order.
      await knex.raw('DROP INDEX IF EXISTS incident_title_trgm');
      await knex.raw('CREATE INDEX incident_title_trgm_gist ON incident USING gist (title gist_trgm_ops)');
    },
    async down(knex) {
      await knex.raw('DROP INDEX IF EXISTS incident_title_trgm_gist');
      await knex.raw('CREATE INDEX incident_title_trgm ON incident USING gin (title gin_trgm_ops)');
    },
  },
];
