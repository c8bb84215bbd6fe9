import { describe, expect, it } from 'vitest';
import { DEV_ERASURE_HASH_KEY } from '../config/index.ts';
import { erasedAddressHash } from './address-hash.ts';

describe('erasedAddressHash', () => {
  it('is the HMAC-SHA256 of the trimmed, lower-cased address', () => {
    // Independent value: printf 'ada@example.com' | openssl dgst -sha256 -hmac dev-erasure-hash-key-change-me
    expect(erasedAddressHash(DEV_ERASURE_HASH_KEY, ' Ada@Example.COM ')).toBe(
      erasedAddressHash(DEV_ERASURE_HASH_KEY, 'ada@example.com'),
    );
    expect(erasedAddressHash(DEV_ERASURE_HASH_KEY, 'ada@example.com')).toBe(
      '4f97d90a61961ab20f8284f862ed9793cff811aef4c49ad6db94d7a09718097c',
    );
  });

  it('depends on the key and never contains the address', () => {
    const a = erasedAddressHash(DEV_ERASURE_HASH_KEY, 'ada@example.com');
    expect(erasedAddressHash('another-key-0123456789', 'ada@example.com')).not.toBe(a);
    expect(a).not.toContain('ada');
  });

  it('is the same for every spelling of an address', () => {
    expect(erasedAddressHash(DEV_ERASURE_HASH_KEY, '  Ada.Lovelace+X@Example.com\n')).toBe(
      erasedAddressHash(DEV_ERASURE_HASH_KEY, 'ada.lovelace+x@example.com'),
    );
  });
});
