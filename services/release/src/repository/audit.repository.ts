import { historyJournal } from '@itsm/db';

export type { HistoryEntry } from '@itsm/db';

export const { record: recordHistory, list: listHistory } = historyJournal('release_history', 'release_id');
