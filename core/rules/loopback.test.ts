import { describe, expect, it } from 'vitest';
import { isLoopbackHost } from './loopback.ts';

describe('isLoopbackHost', () => {
  it('is true for localhost, 127.0.0.0/8 and ::1 in their spellings', () => {
    for (const h of [
      'localhost',
      'LOCALHOST',
      'app.localhost',
      'localhost.',
      '127.0.0.1',
      '127.1.2.3',
      '::1',
      '[::1]',
      '0:0:0:0:0:0:0:1',
      '::ffff:127.0.0.1',
    ])
      expect(isLoopbackHost(h), h).toBe(true);
  });

  it('is false for everything else, including look-alikes', () => {
    for (const h of [
      '0.0.0.0',
      '10.0.0.1',
      '192.168.1.10',
      '::',
      '::2',
      '1::1',
      'smtp.example.com',
      'localhost.example.com',
      '127.0.0.1.nip.io',
      '128.0.0.1',
      '127.0.0.256',
      'notlocalhost',
      '',
    ])
      expect(isLoopbackHost(h), h).toBe(false);
  });
});
