import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './log.ts';
import { logSdkEntry, sdkLevel } from './temporal-runtime.ts';

describe('sdkLevel', () => {
  it('maps LOG_LEVEL onto the SDK levels', () => {
    expect(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].map((l) => sdkLevel(l as any))).toEqual([
      'TRACE',
      'DEBUG',
      'INFO',
      'WARN',
      'ERROR',
      'ERROR',
      'ERROR',
    ]);
  });
});

describe('logSdkEntry', () => {
  it('writes the entry as one scrubbed JSON line with the SDK metadata as fields', () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const logger = createLogger('debug', stream);
    logSdkEntry(logger, {
      level: 'WARN',
      message: 'Activity failed: smtp 550 <ada@example.com>',
      timestampNanos: 0n,
      meta: { workflowId: 'journey/c/1', runId: 'r-1', activityType: 'sendEmail', namespace: 'default' },
    });
    logSdkEntry(logger, { level: 'TRACE', message: 'below the level', timestampNanos: 0n, meta: {} });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 40,
      msg: 'Activity failed: smtp 550 <[email]>',
      workflowId: 'journey/c/1',
      runId: 'r-1',
      activityType: 'sendEmail',
      sdk: true,
    });
  });
});
