import type { AuthUser, Role } from '@itsm/http';
import type { Actor } from '../domain/types';

/**
 * Who may do what (admin passes every check):
 * - release_manager: everything on releases (create, edit, schedule, deploy,
 *   decide gates, confirm manual steps, pause, resume, abort);
 * - the CD system calls back with a token of its own service account holding
 *   release_manager (see the README: callback authentication);
 * - agent: read releases, their history and deployment progress;
 * - requester: nothing (releases are internal records).
 */
export const READ: [Role, ...Role[]] = ['agent', 'release_manager'];
export const MANAGE: [Role, ...Role[]] = ['release_manager'];
export const CALLBACK: [Role, ...Role[]] = ['release_manager'];

export const actorOf = (u: AuthUser): Actor => ({ id: u.id, ...(u.name ? { name: u.name } : {}) });
