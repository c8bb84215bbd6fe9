import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './index.ts';

function files(): { dir: string; toml: string; cert: string; key: string; ca: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nurture-temporal-config-'));
  const p = (n: string) => path.join(dir, n);
  for (const n of ['client.pem', 'client.key', 'ca.pem']) fs.writeFileSync(p(n), `-----${n}-----\n`);
  fs.writeFileSync(
    p('temporal.toml'),
    `[profile.default]\naddress = "default.example:7233"\n\n[profile.prod]\naddress = "prod.example:7233"\nnamespace = "nurture-prod"\n[profile.prod.tls]\nclient_cert_path = "${p('client.pem')}"\nclient_key_path = "${p('client.key')}"\nserver_name = "prod.example"\n`,
  );
  return { dir, toml: p('temporal.toml'), cert: p('client.pem'), key: p('client.key'), ca: p('ca.pem') };
}

// No Temporal default file is read from this machine's home: XDG_CONFIG_HOME points at an empty folder.
const isolated = () => ({ XDG_CONFIG_HOME: fs.mkdtempSync(path.join(os.tmpdir(), 'nurture-xdg-')) });

describe('Temporal connection settings', () => {
  it('keeps the plain development defaults', () => {
    const c = loadConfig(isolated());
    expect([c.TEMPORAL_ADDRESS, c.TEMPORAL_NAMESPACE, c.temporalTls]).toEqual(['127.0.0.1:7233', 'default', undefined]);
  });

  it('takes mTLS files from the TEMPORAL_TLS_* variables and turns TLS on', () => {
    const f = files();
    const c = loadConfig({
      ...isolated(),
      TEMPORAL_TLS_CLIENT_CERT_PATH: f.cert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: f.key,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: f.ca,
      TEMPORAL_TLS_SERVER_NAME: 'localhost',
    });
    expect(c.temporalTls).toEqual({
      clientCert: { path: f.cert },
      clientKey: { path: f.key },
      serverCACert: { path: f.ca },
      serverName: 'localhost',
    });
    expect(loadConfig({ ...isolated(), TEMPORAL_TLS: 'false', TEMPORAL_TLS_SERVER_NAME: 'x' }).temporalTls).toBeUndefined();
    expect(loadConfig({ ...isolated(), TEMPORAL_API_KEY: 'k' }).temporalTls).toEqual({});
  });

  it('reads a TOML profile, with environment variables taking precedence', () => {
    const f = files();
    const prod = loadConfig({ ...isolated(), TEMPORAL_CONFIG_FILE: f.toml, TEMPORAL_PROFILE: 'prod' });
    expect([prod.TEMPORAL_ADDRESS, prod.TEMPORAL_NAMESPACE]).toEqual(['prod.example:7233', 'nurture-prod']);
    expect(prod.temporalTls).toMatchObject({ clientCert: { path: f.cert }, serverName: 'prod.example' });
    const overridden = loadConfig({
      ...isolated(),
      TEMPORAL_CONFIG_FILE: f.toml,
      TEMPORAL_PROFILE: 'prod',
      TEMPORAL_ADDRESS: 'other:7233',
    });
    expect(overridden.TEMPORAL_ADDRESS).toBe('other:7233');
    expect(loadConfig({ ...isolated(), TEMPORAL_CONFIG_FILE: f.toml }).TEMPORAL_ADDRESS).toBe('default.example:7233');
  });

  it('names the variable when a setting is wrong', () => {
    const f = files();
    expect(() => loadConfig({ ...isolated(), TEMPORAL_TLS_CLIENT_CERT_PATH: f.cert })).toThrow(
      /TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH: set both/,
    );
    expect(() => loadConfig({ ...isolated(), TEMPORAL_TLS_SERVER_CA_CERT_PATH: '/no/such/ca.pem' })).toThrow(
      /TEMPORAL_TLS_SERVER_CA_CERT_PATH: no such file/,
    );
    expect(() => loadConfig({ ...isolated(), TEMPORAL_CONFIG_FILE: f.toml, TEMPORAL_PROFILE: 'staging' })).toThrow(
      /TEMPORAL_PROFILE .*Profile 'staging' not found/,
    );
    expect(() => loadConfig({ ...isolated(), TEMPORAL_CONFIG_FILE: '/no/such.toml' })).toThrow(
      /TEMPORAL_CONFIG_FILE: no such file/,
    );
  });
});
