// Tokens for the tampering fuzz (issue 11, item 6): the first format's tokens and the mutations
// tried on any token, shared by the unit test (infra/tokens.test.ts) and the endpoint test.

/** The secret the legacy tokens below were sealed with. */
export const LEGACY_SECRET = 'old-tracking-secret-0123456789';

// Minted by main before key ids (infra/tokens.ts at 9e8f466) under OLD: links of this format
// are in inboxes and must keep working.
export const LEGACY_UNSUBSCRIBE_TOKEN =
  'JP9t48aK360ZZpwulQGgCsgCMl9WzMI5y0dMnbmK68_oRSxMZUv8H-MG0E_xKZ3JWSmo89ZPdN8_RjmR4vop1GE6zwvQt3fXk6GoSrBvhk0';
export const LEGACY_CLICK_TOKEN =
  '4h7wttHcOdfXarjK_arHG_mdVxUXoVgafLWuTiRx0rakCy5GEcujm31OybqpXYOdQ92z8BAmYcQOiLIhzTtg4fk_dJEuC2-7w9bDWgbpb9Nic5e5z69hxjKgqBNdWfWA';

/** Every way the fuzz changes a token: bit flips, truncation, extension, key id games, junk. */
export function tokenMutations(token: string, otherKeyIds: string[], seed = 1): string[] {
  const dot = token.indexOf('.');
  const keyId = dot === -1 ? '' : token.slice(0, dot);
  const body = dot === -1 ? token : token.slice(dot + 1);
  const raw = Buffer.from(body, 'base64url');
  const withBody = (b: Buffer) => (keyId ? `${keyId}.` : '') + b.toString('base64url');
  const out = new Set<string>();
  let state = seed;
  const rand = (n: number) => (state = (state * 1103515245 + 12345) & 0x7fffffff) % n;
  // One flipped bit at a time, over every byte (iv, ciphertext and tag).
  for (let i = 0; i < raw.length; i++) {
    const flipped = Buffer.from(raw);
    flipped[i]! ^= 1 << rand(8);
    out.add(withBody(flipped));
  }
  // Truncated and extended.
  for (const n of [1, 2, 3, 5, 16, 17, 28, raw.length - 1]) out.add(withBody(raw.subarray(0, raw.length - n)));
  out.add(withBody(Buffer.concat([raw, Buffer.from([0])])));
  out.add(token.slice(0, -1));
  out.add(token + 'A');
  // Key id: swapped for another listed key's, removed, changed, doubled.
  for (const id of otherKeyIds) out.add(`${id}.${body}`);
  out.add(body);
  if (keyId) out.add(`${keyId.slice(0, -1)}${keyId.at(-1) === 'A' ? 'B' : 'A'}.${body}`);
  out.add(`${keyId}.${keyId}.${body}`);
  out.add(`.${body}`);
  // Characters replaced in the text form.
  for (let n = 0; n < 40; n++) {
    const i = rand(token.length);
    const c = 'Aa0_-.~%'[rand(8)]!;
    out.add(token.slice(0, i) + c + token.slice(i + 1));
  }
  out.delete(token);
  return [...out];
}
