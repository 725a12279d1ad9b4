import type { Knex } from '@itsm/db';

type Db = Knex | Knex.Transaction;

export interface CommentRow {
  id: string;
  incidentId: string;
  visibility: 'public' | 'internal';
  body: string;
  authorId: string;
  authorName: string | null;
  createdAt: Date;
}

export async function insertComment(trx: Db, c: CommentRow): Promise<void> {
  await trx('incident_comment').insert({
    id: c.id,
    incident_id: c.incidentId,
    visibility: c.visibility,
    body: c.body,
    author_id: c.authorId,
    author_name: c.authorName,
    created_at: c.createdAt,
  });
}

export async function listComments(db: Db, incidentId: string, publicOnly: boolean): Promise<CommentRow[]> {
  const q = db('incident_comment').where({ incident_id: incidentId }).orderBy([{ column: 'created_at' }, { column: 'id' }]);
  if (publicOnly) q.where({ visibility: 'public' });
  const rows = await q;
  return rows.map((r) => ({
    id: r.id,
    incidentId: r.incident_id,
    visibility: r.visibility,
    body: r.body,
    authorId: r.author_id,
    authorName: r.author_name,
    createdAt: r.created_at,
  }));
}

export async function firedEscalationLevels(trx: Db, incidentId: string, kind: string): Promise<number[]> {
  const rows = await trx('incident_escalation').select('level').where({ incident_id: incidentId, kind });
  return rows.map((r) => r.level as number);
}

export async function insertEscalation(
  trx: Db,
  e: { incidentId: string; kind: string; level: number; at: Date; reason: string; actorId: string; toGroup: string | null; toUser: string | null },
): Promise<void> {
  await trx('incident_escalation').insert({
    incident_id: e.incidentId,
    kind: e.kind,
    level: e.level,
    at: e.at,
    reason: e.reason,
    actor_id: e.actorId,
    to_group: e.toGroup,
    to_user: e.toUser,
  });
}

export async function listEscalations(db: Db, incidentId: string) {
  const rows = await db('incident_escalation').where({ incident_id: incidentId }).orderBy('at');
  return rows.map((r) => ({ kind: r.kind, level: r.level, at: r.at, reason: r.reason, actorId: r.actor_id, toGroup: r.to_group, toUser: r.to_user }));
}

/** Claims a mail Message-ID; false (and the duplicate counted) when it was delivered before. */
export async function claimInboundMessage(trx: Db, messageId: string, incidentId: string, at: Date): Promise<boolean> {
  const inserted = await trx('inbound_message')
    .insert({ message_id: messageId, incident_id: incidentId, received_at: at })
    .onConflict('message_id')
    .ignore()
    .returning('message_id');
  return inserted.length === 1;
}

export async function recordDuplicateMessage(trx: Db, messageId: string, at: Date): Promise<{ incidentId: string; duplicateCount: number } | undefined> {
  const rows = await trx('inbound_message')
    .where({ message_id: messageId })
    .update({ duplicate_count: trx.raw('duplicate_count + 1'), last_duplicate_at: at })
    .returning(['incident_id', 'duplicate_count']);
  return rows[0] ? { incidentId: rows[0].incident_id, duplicateCount: rows[0].duplicate_count } : undefined;
}

export async function inboundMessage(db: Db, messageId: string) {
  const r = await db('inbound_message').where({ message_id: messageId }).first();
  return r ? { messageId: r.message_id, incidentId: r.incident_id, receivedAt: r.received_at, duplicateCount: r.duplicate_count, lastDuplicateAt: r.last_duplicate_at } : undefined;
}

// Groups and members

export interface GroupRow {
  id: string;
  name: string;
  managerId: string | null;
  members: string[];
}

export async function listGroups(db: Db): Promise<GroupRow[]> {
  const groups = await db('assignment_group').orderBy('id');
  const members = await db('assignment_group_member').orderBy(['group_id', 'user_id']);
  return groups.map((g) => ({
    id: g.id,
    name: g.name,
    managerId: g.manager_id,
    members: members.filter((m) => m.group_id === g.id).map((m) => m.user_id),
  }));
}

export async function getGroup(db: Db, id: string): Promise<GroupRow | undefined> {
  const g = await db('assignment_group').where({ id }).first();
  if (!g) return undefined;
  const members = await db('assignment_group_member').where({ group_id: id }).orderBy('user_id');
  return { id: g.id, name: g.name, managerId: g.manager_id, members: members.map((m) => m.user_id) };
}

export async function upsertGroup(trx: Db, g: { id: string; name: string; managerId: string | null; members?: string[] }, at: Date): Promise<boolean> {
  const res = await trx.raw(
    `INSERT INTO assignment_group (id, name, manager_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, manager_id = EXCLUDED.manager_id, updated_at = EXCLUDED.updated_at
     RETURNING (xmax = 0) AS inserted`,
    [g.id, g.name, g.managerId, at, at],
  );
  if (g.members) {
    await trx('assignment_group_member').where({ group_id: g.id }).delete();
    const unique = [...new Set(g.members)];
    if (unique.length) await trx('assignment_group_member').insert(unique.map((u) => ({ group_id: g.id, user_id: u })));
  }
  return res.rows[0].inserted as boolean;
}

export async function deleteGroup(trx: Db, id: string): Promise<boolean> {
  return (await trx('assignment_group').where({ id }).delete()) > 0;
}

export async function groupExists(db: Db, id: string): Promise<boolean> {
  return !!(await db('assignment_group').where({ id }).first('id'));
}

export async function isMember(db: Db, groupId: string, userId: string): Promise<boolean> {
  return !!(await db('assignment_group_member').where({ group_id: groupId, user_id: userId }).first('user_id'));
}

// Settings

export async function getSettingValues(db: Db): Promise<Record<string, unknown>> {
  const rows = await db('incident_setting').select('key', 'value');
  return Object.fromEntries(rows.map((r) => [r.key, r.value]));
}

export async function putSetting(trx: Db, key: string, value: unknown, by: string, at: Date): Promise<void> {
  await trx('incident_setting')
    .insert({ key, value: JSON.stringify(value), updated_at: at, updated_by: by })
    .onConflict('key')
    .merge();
}

// Organisations (requesters)

export interface OrganisationRow {
  id: string;
  name: string;
  membersSeeOrganisationTickets: boolean;
  members: string[];
}

export async function listOrganisations(db: Db): Promise<OrganisationRow[]> {
  const orgs = await db('organisation').orderBy('id');
  const members = await db('organisation_member').orderBy(['organisation_id', 'user_id']);
  return orgs.map((o) => ({
    id: o.id,
    name: o.name,
    membersSeeOrganisationTickets: o.members_see_organisation_tickets,
    members: members.filter((m) => m.organisation_id === o.id).map((m) => m.user_id),
  }));
}

export async function getOrganisation(db: Db, id: string): Promise<OrganisationRow | undefined> {
  return (await listOrganisations(db)).find((o) => o.id === id);
}

export async function upsertOrganisation(trx: Db, o: { id: string; name: string; membersSeeOrganisationTickets: boolean; members?: string[] }, at: Date): Promise<boolean> {
  const res = await trx.raw(
    `INSERT INTO organisation (id, name, members_see_organisation_tickets, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, members_see_organisation_tickets = EXCLUDED.members_see_organisation_tickets, updated_at = EXCLUDED.updated_at
     RETURNING (xmax = 0) AS inserted`,
    [o.id, o.name, o.membersSeeOrganisationTickets, at, at],
  );
  if (o.members) {
    await trx('organisation_member').where({ organisation_id: o.id }).delete();
    const unique = [...new Set(o.members)];
    if (unique.length) await trx('organisation_member').insert(unique.map((u) => ({ organisation_id: o.id, user_id: u })));
  }
  return res.rows[0].inserted as boolean;
}

/** The callers whose incidents a requester may read: themself, plus the members of their organisations that share tickets. */
export async function visibleCallers(db: Db, userId: string): Promise<string[]> {
  const rows = await db('organisation_member as me')
    .join('organisation as o', 'o.id', 'me.organisation_id')
    .join('organisation_member as peer', 'peer.organisation_id', 'me.organisation_id')
    .where('me.user_id', userId)
    .andWhere('o.members_see_organisation_tickets', true)
    .distinct('peer.user_id');
  return [...new Set([userId, ...rows.map((r) => r.user_id as string)])];
}
