import { commentJournal, historyJournal } from '@itsm/db';

export type { Comment, HistoryEntry, Visibility } from '@itsm/db';

export const { record: recordHistory, list: listHistory } = historyJournal('problem_history', 'problem_id');
export const { insert: insertComment, list: listComments } = commentJournal('problem_comment', 'problem_id');
