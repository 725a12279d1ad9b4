import { hasRole, type AuthUser, type Role } from '@itsm/http';
import type { Actor } from '../domain/types';
import type { Viewer } from '../service/change.service';

/**
 * Who may do what (admin passes every check):
 * - change_manager: everything on changes, windows and freezes;
 * - cab_member: read changes and vote;
 * - agent: read changes, raise and submit RfCs, work notes;
 * - requester: request standard changes from the catalogue, read and comment on
 *   their own RfCs only (others are 404);
 * - admin: also the approver groups and the standard change catalogue.
 */
export const STAFF: [Role, ...Role[]] = ['agent', 'change_manager', 'cab_member'];
export const READ: [Role, ...Role[]] = ['agent', 'change_manager', 'cab_member', 'requester'];
export const CREATE: [Role, ...Role[]] = ['agent', 'change_manager'];
export const EDIT: [Role, ...Role[]] = ['agent', 'change_manager'];
export const MANAGE: [Role, ...Role[]] = ['change_manager'];
export const VOTE: [Role, ...Role[]] = ['cab_member', 'change_manager'];
export const STANDARD: [Role, ...Role[]] = ['requester', 'agent', 'change_manager'];
export const CATALOGUE_READ: [Role, ...Role[]] = ['requester', 'agent', 'change_manager', 'cab_member'];
export const ADMIN: [Role, ...Role[]] = ['admin'];

export const actorOf = (u: AuthUser): Actor => ({ id: u.id, ...(u.name ? { name: u.name } : {}) });
export const viewerOf = (u: AuthUser): Viewer => ({ actor: actorOf(u), staff: hasRole(u, ...STAFF) });
export const isManager = (u: AuthUser): boolean => hasRole(u, 'change_manager');
