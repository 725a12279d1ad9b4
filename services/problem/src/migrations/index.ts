import type { Migration } from '@itsm/db';
import { createProblem } from './20261203_0001_create_problem';

/** The service's migrations, in order (names are dated and never edited). */
export const migrations: Migration[] = [createProblem];
