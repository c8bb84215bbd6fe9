import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './log.ts';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, stream, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, any>) };
}

describe('createLogger', () => {
  it('writes JSON lines at or above its level', () => {
    const out = capture();
    const log = createLogger('warn', out.stream);
    log.info('not written');
    log.warn({ workflowId: 'journey/c/1' }, 'written');
    expect(out.parsed()).toEqual([expect.objectContaining({ level: 40, msg: 'written', workflowId: 'journey/c/1' })]);
  });

  it('keeps addresses, names, credentials and link tokens out of fields and messages', () => {
    const out = capture();
    const log = createLogger('info', out.stream);
    log.info(
      {
        email: 'ada@example.com',
        firstName: 'Ada',
        nested: { apiKey: 'k-123', token: 't-456', detail: 'smtp 550 <ada@example.com>: no such user' },
        list: ['bob@example.org'],
        url: '/u/sealed-token-value?x=1',
        error: new Error('rejected grace@example.net'),
        workflowId: 'journey/c/1',
        activityType: 'sendEmail',
      },
      'bounce for ada@example.com',
    );
    const text = out.lines.join('\n');
    for (const s of ['ada@example.com', 'Ada"', 'k-123', 't-456', 'bob@example.org', 'sealed-token-value', 'grace@example.net']) {
      expect(text).not.toContain(s);
    }
    const [line] = out.parsed();
    expect(line).toMatchObject({
      msg: 'bounce for [email]',
      email: '[redacted]',
      firstName: '[redacted]',
      nested: { apiKey: '[redacted]', token: '[redacted]', detail: 'smtp 550 <[email]>: no such user' },
      list: ['[email]'],
      url: '/u/[redacted]?x=1',
      error: { type: 'Error', message: 'rejected [email]' },
      workflowId: 'journey/c/1',
      activityType: 'sendEmail',
    });
  });
});
