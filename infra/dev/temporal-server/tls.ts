// A private CA and the certificates for a TLS frontend with client-certificate verification
// (mTLS), made with the openssl command line once per data folder. For local use and tests:
// production certificates come from the operator's own CA.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const TLS_SERVER_NAME = 'localhost';

export interface TlsFiles {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** The name the server certificate is valid for (it also holds 127.0.0.1). */
  serverName: string;
}

function tlsFiles(dir: string): TlsFiles {
  const tlsDir = path.join(dir, 'tls');
  const p = (name: string) => path.join(tlsDir, name);
  return {
    dir: tlsDir,
    caCert: p('ca.pem'),
    serverCert: p('server.pem'),
    serverKey: p('server.key'),
    clientCert: p('client.pem'),
    clientKey: p('client.key'),
    serverName: TLS_SERVER_NAME,
  };
}

/** Makes the CA, server and client certificates unless they exist (valid 825 days). */
export function ensureTlsFiles(dir: string): TlsFiles {
  const files = tlsFiles(dir);
  if ([files.caCert, files.serverCert, files.serverKey, files.clientCert, files.clientKey].every((f) => fs.existsSync(f)))
    return files;
  fs.mkdirSync(files.dir, { recursive: true, mode: 0o700 });
  const caKey = path.join(files.dir, 'ca.key');
  const days = '825';
  openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    caKey,
    '-out',
    files.caCert,
    '-days',
    days,
    '-subj',
    '/CN=Nurture local Temporal CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  issue(
    files,
    caKey,
    files.serverKey,
    files.serverCert,
    '/CN=localhost',
    [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      `subjectAltName=DNS:${TLS_SERVER_NAME},IP:127.0.0.1`,
    ],
    days,
  );
  issue(
    files,
    caKey,
    files.clientKey,
    files.clientCert,
    '/CN=nurture-client',
    ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment', 'extendedKeyUsage=clientAuth'],
    days,
  );
  for (const f of fs.readdirSync(files.dir)) fs.chmodSync(path.join(files.dir, f), f.endsWith('.key') ? 0o600 : 0o644);
  return files;
}

function issue(
  files: TlsFiles,
  caKey: string,
  key: string,
  cert: string,
  subject: string,
  extensions: string[],
  days: string,
): void {
  const csr = `${cert}.csr`;
  const ext = `${cert}.ext`;
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', subject]);
  fs.writeFileSync(ext, `${extensions.join('\n')}\n`);
  openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    files.caCert,
    '-CAkey',
    caKey,
    '-CAcreateserial',
    '-out',
    cert,
    '-days',
    days,
    '-sha256',
    '-extfile',
    ext,
  ]);
  fs.rmSync(csr);
  fs.rmSync(ext);
}

function openssl(args: string[]): void {
  const result = spawnSync('openssl', args, { encoding: 'utf8', timeout: 60_000 });
  if (result.error) throw new Error(`openssl could not run (${result.error.message}); install openssl to use --tls`);
  if (result.status !== 0) throw new Error(`openssl ${args[0]} failed:\n${result.stderr}`);
}
