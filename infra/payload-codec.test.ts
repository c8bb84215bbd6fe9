import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import { ApplicationFailure, defaultPayloadConverter, type FailureConverter, type Payload } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.ts';
import {
  ENCRYPTED_ENCODING,
  EncryptionCodec,
  FAILURE_CONVERTER_PATH,
  KEY_ID_METADATA_KEY,
  PayloadDecryptionError,
  dataConverterFor,
} from './payload-codec.ts';

const key = (id: string) => ({ id, key: crypto.randomBytes(32) });
const lead = { email: 'ada@example.com', firstName: 'Ada', properties: { plan: 'gold' } };
const toPayload = (v: unknown) => defaultPayloadConverter.toPayload(v);
const fromPayload = (p: Payload) => defaultPayloadConverter.fromPayload(p);
const meta = (p: Payload, k: string) => Buffer.from(p.metadata![k]!).toString('utf8');

describe('EncryptionCodec', () => {
  it('round-trips payloads, and what it writes holds no plain text', async () => {
    const codec = new EncryptionCodec([key('k1')]);
    const [encoded] = await codec.encode([toPayload(lead)]);
    expect(meta(encoded!, 'encoding')).toBe(ENCRYPTED_ENCODING);
    expect(meta(encoded!, KEY_ID_METADATA_KEY)).toBe('k1');
    expect(Object.keys(encoded!.metadata!).sort()).toEqual(['encoding', KEY_ID_METADATA_KEY]);
    const wire = Buffer.from(encoded!.data!).toString('latin1');
    for (const plain of ['ada@example.com', 'Ada', 'gold', 'json/plain']) expect(wire).not.toContain(plain);
    const [decoded] = await codec.decode([encoded!]);
    expect(fromPayload(decoded!)).toEqual(lead);
    expect(meta(decoded!, 'encoding')).toBe('json/plain');
  });

  it('uses a fresh IV per payload: the same value encrypts differently', async () => {
    const codec = new EncryptionCodec([key('k1')]);
    const [a, b] = await codec.encode([toPayload(lead), toPayload(lead)]);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
    expect(Buffer.from(a!.data!).subarray(0, 12).equals(Buffer.from(b!.data!).subarray(0, 12))).toBe(false);
  });

  it('rotates: encrypts with the first key and still decrypts with an older one listed after it', async () => {
    const old = key('2025');
    const fresh = key('2026');
    const [byOld] = await new EncryptionCodec([old]).encode([toPayload(lead)]);
    const rotated = new EncryptionCodec([fresh, old]);
    expect(fromPayload((await rotated.decode([byOld!]))[0]!)).toEqual(lead);
    const [byNew] = await rotated.encode([toPayload(lead)]);
    expect(meta(byNew!, KEY_ID_METADATA_KEY)).toBe('2026');
  });

  it('refuses tampered ciphertext, IV or tag', async () => {
    const codec = new EncryptionCodec([key('k1')]);
    const [encoded] = await codec.encode([toPayload(lead)]);
    const data = Buffer.from(encoded!.data!);
    for (const at of [0, 12, data.length - 1]) {
      const altered = Buffer.from(data);
      altered[at] = altered[at]! ^ 1;
      await expect(codec.decode([{ ...encoded!, data: altered }])).rejects.toThrow(/key "k1"\) failed authentication/);
    }
    await expect(codec.decode([{ ...encoded!, data: data.subarray(0, 20) }])).rejects.toThrow(PayloadDecryptionError);
  });

  it('refuses a payload whose key id names another key of the same list', async () => {
    const codec = new EncryptionCodec([key('a'), key('b')]);
    const [encoded] = await codec.encode([toPayload(lead)]);
    const relabelled = { ...encoded!, metadata: { ...encoded!.metadata, [KEY_ID_METADATA_KEY]: Buffer.from('b') } };
    await expect(codec.decode([relabelled])).rejects.toThrow(/key "b"\) failed authentication/);
  });

  it('names an unknown key id and the configured ones', async () => {
    const [encoded] = await new EncryptionCodec([key('gone')]).encode([toPayload(lead)]);
    await expect(new EncryptionCodec([key('k1'), key('k2')]).decode([encoded!])).rejects.toThrow(
      'a payload is encrypted with key id "gone", which is not in PAYLOAD_KEYS (configured: k1, k2)',
    );
  });

  it('passes unencrypted payloads (histories from before the codec) through decode unchanged', async () => {
    const codec = new EncryptionCodec([key('k1')]);
    const plain = [toPayload(lead), toPayload(undefined), toPayload(new Uint8Array([1, 2, 3]))];
    const decoded = await codec.decode(plain);
    expect(decoded).toEqual(plain);
    expect(decoded[0]).toBe(plain[0]);
  });

  it('keeps every kind of payload the converter makes, binary and null included', async () => {
    const codec = new EncryptionCodec([key('k1')]);
    const values = [lead, undefined, null, new Uint8Array([0, 255]), 'text', 42];
    const decoded = await codec.decode(await codec.encode(values.map(toPayload)));
    expect(decoded.map(fromPayload)).toEqual(values);
  });
});

describe('dataConverterFor', () => {
  it('encrypts with the configured key list (development: the development key)', async () => {
    const [codec] = dataConverterFor(loadConfig({})).payloadCodecs!;
    const [encoded] = await codec!.encode([toPayload(lead)]);
    expect(meta(encoded!, KEY_ID_METADATA_KEY)).toBe('dev');
  });
});

describe('the failure converter dataConverterFor names', () => {
  it('moves failure messages into a payload, which the codec encrypts', async () => {
    const config = dataConverterFor(loadConfig({}));
    expect(config.failureConverterPath).toBe(FAILURE_CONVERTER_PATH);
    const { failureConverter } = createRequire(import.meta.url)(FAILURE_CONVERTER_PATH) as { failureConverter: FailureConverter };
    const failure = failureConverter.errorToFailure(
      ApplicationFailure.retryable('smtp send failed: 550 <ada@example.com>: no such user', 'SmtpTemporaryFailure'),
      defaultPayloadConverter,
    );
    expect(failure.message).toBe('Encoded failure');
    expect(failure.stackTrace).toBe('');
    const codec = config.payloadCodecs![0]!;
    const [encrypted] = await codec.encode([failure.encodedAttributes!]);
    expect(Buffer.from(encrypted!.data!).toString('latin1')).not.toContain('ada@example.com');
    const [decrypted] = await codec.decode([encrypted!]);
    const back = failureConverter.failureToError({ ...failure, encodedAttributes: decrypted }, defaultPayloadConverter);
    expect(back.message).toBe('smtp send failed: 550 <ada@example.com>: no such user');
  });
});
