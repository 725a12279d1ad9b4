import type { Knex } from 'knex';

/**
 * A migration is a named pair of functions. Services list theirs in code
 * (migrations/index.ts), so the same list runs from source in tests and from
 * dist in production, without scanning folders. Names are dated and never edited.
 */
export interface Migration {
  name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

class ListSource implements Knex.MigrationSource<Migration> {
  constructor(private readonly list: Migration[]) {}
  async getMigrations(): Promise<Migration[]> {
    return this.list;
  }
  getMigrationName(m: Migration): string {
    return m.name;
  }
  async getMigration(m: Migration): Promise<Knex.Migration> {
    return { up: m.up, down: m.down };
  }
}

export async function migrateLatest(knex: Knex, migrations: Migration[]): Promise<string[]> {
  const names = migrations.map((m) => m.name);
  if (new Set(names).size !== names.length) throw new Error('Duplicate migration names');
  const [, applied] = (await knex.migrate.latest({ migrationSource: new ListSource(migrations) })) as [number, string[]];
  return applied;
}

export async function migrateRollbackAll(knex: Knex, migrations: Migration[]): Promise<void> {
  await knex.migrate.rollback({ migrationSource: new ListSource(migrations) }, true);
}
