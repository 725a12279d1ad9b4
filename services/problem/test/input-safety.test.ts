import { newInstance, startTestService, type RunningService } from '@itsm/runtime';
import { createProblemService } from '../src';
import { client, token, type Client } from './helpers';

let svc: RunningService;
let pm: Client;

beforeAll(async () => {
  svc = await startTestService(createProblemService(), { instance: newInstance() });
  pm = client(svc, await token('pm1', ['problem_manager']));
});
afterAll(async () => {
  await svc?.stop();
});

it.each([
  '/api/v1/problems/%00',
  '/api/v1/problems/PRB%00',
  '/api/v1/problems?q=%00',
  '/api/v1/problems?ci=a%00b',
  '/api/v1/known-errors?q=%00',
  '/api/v1/known-errors?category=%00',
  '/api/v1/incidents/INC%00/known-error-suggestions',
  '/api/v1/problems?q=%22%27%29%28%21%3A%2A',
  '/api/v1/known-errors?q=%21%21%26%26%7C',
])('never answers 500 for odd input: GET %s', async (path) => {
  const r = await pm.get(path);
  expect(r.status).toBeLessThan(500);
});

it('never answers 500 for a NUL in a body field', async () => {
  const r = await pm.post('/api/v1/problems', { title: 'a\u0000b' });
  expect(r.status).toBe(422);
  expect(r.body.errors[0].field).toBe('title');
});
