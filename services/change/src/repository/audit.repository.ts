import { commentJournal, historyJournal, type HistoryEntry as Entry } from '@itsm/db';

export type { Comment, Visibility } from '@itsm/db';
export type HistoryEntry = Entry<{ revision: number }>;

/** change_history carries the change's revision with each row. */
export const { record: recordHistory, list: listHistory } = historyJournal<{ revision: number }>('change_history', 'change_id', ['revision']);
export const { insert: insertComment, list: listComments } = commentJournal('change_comment', 'change_id');
