import { createLogger } from '@itsm/core';
import { dropDatabase } from '@itsm/db';
import { newInstance, startService, type RunningService } from '@itsm/runtime';
import { waitFor } from '@itsm/testing';
import { createIncidentService } from '../src/definition';
import { USERS, clientFor, createIncident, patchFresh, tokenFor } from './helpers';

const instance = newInstance();
const database = `itsm_test_incident_autoclose_${instance.replace(/[^a-z0-9]/g, '')}`;
const env = (roles: string) => ({ ...process.env, PORT: '0', DATABASE_NAME: database, ITSM_INSTANCE: instance, NODE_ENV: 'test', ITSM_ROLES: roles });
const start = (roles: string) =>
  startService(createIncidentService({ INCIDENT_AUTO_CLOSE_INTERVAL_MS: 100 }), { env: env(roles), logger: createLogger('incident-service', 'silent') });

let svc: RunningService | undefined;
afterAll(async () => {
  await svc?.stop();
  await dropDatabase(process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432', database);
});

describe('auto-close', () => {
  it('closes a resolved incident after the configured period, also when the service restarted in between', async () => {
    svc = await start('api,relay');
    const agent = clientFor(svc, await tokenFor(USERS.agent));
    const admin = clientFor(svc, await tokenFor(USERS.admin));
    await admin.patch('/api/v1/admin/settings').send({ autoCloseAfterSeconds: 1 }).expect(200);
    const due = await createIncident(agent, { title: 'Close me later' });
    await patchFresh(agent, due.number, { state: 'resolved', resolutionCode: 'fixed', resolutionNotes: 'ok' }).expect(200);
    const open = await createIncident(agent, { title: 'Still open' });
    await svc.stop();

    await new Promise((r) => setTimeout(r, 1100));
    svc = await start('api,relay,jobs');
    const knex = svc.ctx.knex;
    const row = await waitFor(async () => {
      const r = await knex('incident').where({ number: due.number }).first();
      return r?.state === 'closed' ? r : undefined;
    }, { what: 'the auto-close' });
    expect(row.resolved_at.getTime()).toBeLessThan(row.closed_at.getTime());
    expect((await knex('incident').where({ number: open.number }).first()).state).toBe('new');
    const types = (await knex('outbox').where({ partition_key: due.number }).orderBy('seq').select('type')).map((r) => r.type);
    expect(types.slice(-3)).toEqual(['itsm.incident.updated.v1', 'itsm.incident.state_changed.v1', 'itsm.incident.closed.v1']);
    const history = await knex('incident_history').where({ incident_id: row.id, field: 'state' }).orderBy('id');
    expect(history[history.length - 1]).toMatchObject({ actor_id: 'system', to_value: 'closed' });
  });
});
