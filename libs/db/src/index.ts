export { createKnex, databaseUrl, dropDatabase, ensureDatabase } from './knex';
export type { DbOptions, Knex } from './knex';
export { migrateLatest, migrateRollbackAll } from './migrations';
export type { Migration } from './migrations';
export { isUniqueViolation, withTransaction } from './tx';
export type { Trx } from './tx';
