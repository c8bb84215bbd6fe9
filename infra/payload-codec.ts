// Encrypts what Temporal stores about a journey: workflow inputs (the lead: address, name,
// properties), signals, activity arguments and results, continue-as-new state. Temporal's
// server, its database and anyone reading histories without a key see ciphertext only.
//
// A payload codec runs outside the workflow sandbox, on the client and the worker, between
// the payload converter (JSON) and the wire. Each payload is replaced by
//   metadata: { encoding: "binary/encrypted", "encryption-key-id": <key id> }
//   data:     12-byte random IV ‖ AES-256-GCM ciphertext of the whole serialized Payload ‖ 16-byte tag
// which is the layout of Temporal's own encryption samples, so their codec servers and ours
// read each other's payloads. Payloads without that encoding (histories written before the
// codec) pass through decode unchanged, so those journeys still replay.
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { METADATA_ENCODING_KEY, type DataConverter, type Payload, type PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto'; // CommonJS: named values only through the default
import type { Config, PayloadKey } from '../config/index.ts';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA_KEY = 'encryption-key-id';

const ProtoPayload = proto.temporal.api.common.v1.Payload;
const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const utf8 = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | null | undefined) => (b ? Buffer.from(b).toString('utf8') : undefined);

/** A payload this process cannot decrypt: its key is not configured, or it was altered. */
export class PayloadDecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadDecryptionError';
  }
}

export class EncryptionCodec implements PayloadCodec {
  private readonly byId: ReadonlyMap<string, Buffer>;
  private readonly current: PayloadKey;

  /** `keys[0]` encrypts; every key decrypts the payloads that name its id. */
  constructor(keys: readonly PayloadKey[]) {
    const [first] = keys;
    if (!first) throw new Error('PAYLOAD_KEYS: at least one key is required');
    for (const k of keys) {
      if (k.key.length !== 32) throw new Error(`PAYLOAD_KEYS: key "${k.id}" must be 32 bytes`);
    }
    this.current = first;
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => this.encrypt(p));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => this.decrypt(p));
  }

  private encrypt(payload: Payload): Payload {
    const plain = ProtoPayload.encode(payload).finish();
    const iv = crypto.randomBytes(IV_BYTES);
    const cipher = crypto.createCipheriv(ALGORITHM, this.current.key, iv);
    const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: { [METADATA_ENCODING_KEY]: utf8(ENCRYPTED_ENCODING), [KEY_ID_METADATA_KEY]: utf8(this.current.id) },
      data,
    };
  }

  private decrypt(payload: Payload): Payload {
    if (text(payload.metadata?.[METADATA_ENCODING_KEY]) !== ENCRYPTED_ENCODING) return payload;
    const keyId = text(payload.metadata?.[KEY_ID_METADATA_KEY]);
    if (!keyId) throw new PayloadDecryptionError(`an encrypted payload has no "${KEY_ID_METADATA_KEY}" in its metadata`);
    const key = this.byId.get(keyId);
    if (!key) {
      throw new PayloadDecryptionError(
        `a payload is encrypted with key id "${keyId}", which is not in PAYLOAD_KEYS (configured: ${[...this.byId.keys()].join(', ')})`,
      );
    }
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES)
      throw new PayloadDecryptionError(`an encrypted payload (key "${keyId}") is truncated`);
    const decipher = crypto.createDecipheriv(ALGORITHM, key, data.subarray(0, IV_BYTES));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new PayloadDecryptionError(
        `an encrypted payload (key "${keyId}") failed authentication: it was altered, or the key with that id is not the one that encrypted it`,
      );
    }
    return ProtoPayload.decode(plain);
  }
}

/** The codec for this configuration's PAYLOAD_KEYS. */
export function payloadCodecFor(config: Pick<Config, 'PAYLOAD_KEYS'>): EncryptionCodec {
  return new EncryptionCodec(config.PAYLOAD_KEYS);
}

/**
 * Moves failure messages and stack traces into a payload, so the codec encrypts them too. A
 * pre-bundled workflow bundle must be built with it (`bundleWorkflowCode({ failureConverterPath })`).
 */
export const FAILURE_CONVERTER_PATH = fileURLToPath(new URL('./failure-converter.cjs', import.meta.url));

/**
 * What every Temporal client, worker and replayer of this project is given, so that what they
 * write is encrypted and what they read is decrypted.
 */
export function dataConverterFor(config: Pick<Config, 'PAYLOAD_KEYS'>): DataConverter {
  return { payloadCodecs: [payloadCodecFor(config)], failureConverterPath: FAILURE_CONVERTER_PATH };
}
