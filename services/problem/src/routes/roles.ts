import type { AuthUser, Role } from '@itsm/http';
import type { Actor } from '../domain/types';

/**
 * Who may do what (admin passes every check):
 * - problem_manager: everything on problems;
 * - agent: read problems and the known error database, get suggestions for an
 *   incident, link an incident to a problem and add work notes (as in
 *   ServiceNow's and iTop's desk roles: the agent who recognises a known problem
 *   links the incident); unlinking and every change of the record stay with
 *   problem managers;
 * - requester: nothing (problems are internal records).
 */
export const READ: [Role, ...Role[]] = ['agent', 'problem_manager'];
export const MANAGE: [Role, ...Role[]] = ['problem_manager'];
export const LINK: [Role, ...Role[]] = ['agent', 'problem_manager'];
export const NOTE: [Role, ...Role[]] = ['agent', 'problem_manager'];
export const IMPORT: [Role, ...Role[]] = ['admin'];

export const actorOf = (u: AuthUser): Actor => ({ id: u.id, ...(u.name ? { name: u.name } : {}) });
