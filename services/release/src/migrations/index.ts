import type { Migration } from '@itsm/db';
import { createRelease } from './20261203_0001_create_release';

/** The service's migrations, in order (names are dated and never edited). */
export const migrations: Migration[] = [createRelease];
