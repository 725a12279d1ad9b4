import { durationMs, validateDeploymentInput } from '../src/validation';
import { manual, releaseInput, webhook } from './helpers';

describe('deployment input validation', () => {
  it('accepts a well-formed release with webhook, manual, gated and verified stages', () => {
    const input = releaseInput([
      webhook('test', { verify: { healthUrl: 'https://test.example.test/healthz', timeout: '10m', interval: 15_000 } }),
      manual('production', { gate: { role: 'release_manager', approvers: ['rm-bob'], timeout: '1 day' } }),
    ]);
    expect(validateDeploymentInput(input)).toEqual([]);
  });

  it.each([
    ['no stages', { stages: [] }, 'stages'],
    ['a duplicate stage name', { stages: [manual('test'), manual('test')] }, 'stages.1.name'],
    ['a window start that is no instant', { window: { start: 'next friday' } }, 'window.start'],
    ['a window that ends before it starts', { window: { start: '2026-12-05T22:00:00Z', end: '2026-12-05T21:00:00Z' } }, 'window.end'],
    ['a webhook without an http URL', { stages: [webhook('test', { deploy: { kind: 'webhook', url: 'cd-host/deploy', callbackTimeout: '30m' } })] }, 'stages.0.deploy.url'],
    ['a zero callback timeout', { stages: [webhook('test', { deploy: { kind: 'webhook', url: 'http://cd/x', callbackTimeout: 0 } })] }, 'stages.0.deploy.callbackTimeout'],
    ['an unknown deploy kind', { stages: [{ name: 'test', deploy: { kind: 'ftp' } }] }, 'stages.0.deploy.kind'],
    ['a gate timeout that is no duration', { stages: [manual('test', { gate: { timeout: 'later' } })] }, 'stages.0.gate.timeout'],
    ['an empty approver list', { stages: [manual('test', { gate: { approvers: [] } })] }, 'stages.0.gate.approvers'],
    ['a verification without interval', { stages: [manual('test', { verify: { healthUrl: 'http://x/h', timeout: '1m' } as never })] }, 'stages.0.verify.interval'],
    ['a missing release number', { releaseNumber: '' }, 'releaseNumber'],
  ])('rejects %s', (_what, overrides, path) => {
    const issues = validateDeploymentInput(releaseInput([manual('test')], overrides as never));
    expect(issues.map((i) => i.path)).toContain(path);
  });

  it('reads durations as Temporal does', () => {
    expect(durationMs('30 minutes')).toBe(1_800_000);
    expect(durationMs('4h')).toBe(14_400_000);
    expect(durationMs(1500)).toBe(1500);
    expect(durationMs('soon')).toBeUndefined();
    expect(durationMs(-5)).toBeUndefined();
  });
});
