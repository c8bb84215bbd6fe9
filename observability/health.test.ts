import { describe, expect, it } from 'vitest';
import { checkReadiness, describeError } from './health.ts';

describe('checkReadiness', () => {
  it('is ready when every probe answers in time', async () => {
    expect(await checkReadiness({ database: async () => {}, temporal: async () => {} }, 200)).toEqual({
      ready: true,
      checks: { database: 'ok', temporal: 'ok' },
    });
  });

  it('names the probe that timed out, the one that failed and the reason a probe gave', async () => {
    let aborted = false;
    const slow = (signal: AbortSignal) =>
      new Promise<void>((resolve) => {
        signal.addEventListener('abort', () => (aborted = true));
        setTimeout(resolve, 1000);
      });
    const started = Date.now();
    const r = await checkReadiness(
      {
        database: async () => {},
        temporal: slow,
        broken: async () => {
          throw Object.assign(new Error('connect to postgresql://user:hunter2@db/x refused'), { code: 'ECONNREFUSED' });
        },
        worker: async () => 'worker is STOPPING',
      },
      100,
    );
    expect(Date.now() - started).toBeLessThan(900);
    expect(aborted).toBe(true);
    expect(r).toEqual({
      ready: false,
      checks: {
        database: 'ok',
        temporal: 'timed out after 100 ms',
        broken: 'failed: Error (ECONNREFUSED)',
        worker: 'worker is STOPPING',
      },
    });
  });
});

describe('describeError', () => {
  it('never repeats the message, which may hold a connection string', () => {
    const err = new TypeError('postgresql://user:hunter2@db/x');
    expect(describeError(err)).toBe('TypeError');
    expect(describeError(Object.assign(new Error('x'), { code: 14 }))).toBe('Error (14)');
    expect(describeError('postgresql://user:hunter2@db/x')).toBe('error');
  });
});
