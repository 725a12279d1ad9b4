import type { Migration } from '@itsm/db';
import { createChange } from './20261203_0001_create_change';

/** The service's migrations, in order (names are dated and never edited). */
export const migrations: Migration[] = [createChange];
