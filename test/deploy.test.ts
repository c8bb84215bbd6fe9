// The packaging (Dockerfile, compose.yaml, deploy/), checked as far as a machine without a
// Docker daemon can (docs/deploy.md, "What was not run here"):
// - the Dockerfile's build stage runs, step by step, in an empty folder holding only what its
//   COPY lines bring from the build context; the runtime stage's folder holds only what it
//   copies, and its entry runs there as a user who owns none of it (as USER does): --version,
//   check, migrate, and the API and a worker taking a signup to its welcome email as the
//   least-privileged database role, probed by the image's own HEALTHCHECK;
// - compose.yaml names only settings the code reads, gives each process what it must have and
//   nothing that it must not, probes /healthz or /readyz and runs real commands;
// - the database roles of docs/deploy.md: the migrate role migrates, the app role reads and
//   writes rows and cannot create a table.
import { spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { simpleParser } from 'mailparser';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig, SETTING_NAMES } from '../config/index.ts';
import { safetyProblems } from '../config/safety.ts';
import { watchNurture, type NurtureProcess } from '../infra/dev/nurture-process.ts';
import { freePort } from '../infra/dev/ports.ts';
import { startSmtpInbox } from '../infra/dev/smtp-inbox.ts';
import { signatureHeader } from '../infra/signature.ts';
import { OPERATOR_SECRETS } from './support/secrets.ts';
import {
  buildContext,
  copyArgs,
  copyInto,
  interpolate,
  parseDockerfile,
  stageEnv,
  type Instruction,
  type Stage,
} from './support/packaging.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');
/** The first test that runs the image waits for npm ci (from npm's cache), tsc and webpack on a loaded two-core machine. */
const BUILD_TIMEOUT_MS = 300_000;
const RUN_TIMEOUT_MS = 60_000;
/** Who runs the image's processes here: nobody, owner of no file in it (as `USER node` in the image). */
const RUNTIME_USER = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
/** Node's own variable, which compose sets for the mail catcher's certificate; not a Nurture setting. */
const NODE_SETTINGS = new Set(['NODE_EXTRA_CA_CERTS']);

const stages = parseDockerfile(read('Dockerfile'));
const build = stages.find((s) => s.name === 'build')!;
const runtime = stages.at(-1)!;
const only = (stage: Stage, op: string): Instruction[] => stage.instructions.filter((i) => i.op === op);
const execForm = (stage: Stage, op: string): string[] => {
  const [i] = only(stage, op);
  if (!i || !Array.isArray(i.args)) throw new Error(`the runtime stage needs ${op} in exec form`);
  return i.args;
};

let work: string;
let buildDir: string;
let runtimeDir: string;
let home: string;

/** A process as the runtime stage starts it: its WORKDIR, its ENV, its user, nothing else. */
function runtimeSpawnOptions(env: Record<string, string>): SpawnOptions {
  return {
    cwd: runtimeDir,
    env: { PATH: process.env.PATH ?? '', HOME: home, ...stageEnv(runtime), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...RUNTIME_USER,
  };
}

function runImage(args: string[], env: Record<string, string> = {}) {
  const [cmd, ...entry] = execForm(runtime, 'ENTRYPOINT');
  const r = spawnSync(cmd!, [...entry, ...args], { ...runtimeSpawnOptions(env), encoding: 'utf8', timeout: RUN_TIMEOUT_MS });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

/** A long-running process of the image (api, worker), until stop(). */
function startImage(args: string[], env: Record<string, string>): NurtureProcess {
  const [cmd, ...entry] = execForm(runtime, 'ENTRYPOINT');
  return watchNurture(spawn(cmd!, [...entry, ...args], runtimeSpawnOptions(env)), args);
}

/**
 * Builds the image's two stages outside Docker, once, for the tests that run it: the first
 * to ask pays (a minute or two), so the tests that only read the files run alone in seconds.
 */
let image: Promise<void> | undefined;
const buildImage = () => (image ??= Promise.resolve().then(runStages));

function runStages(): void {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'nurture-deploy-'));
  fs.chmodSync(work, 0o755);
  buildDir = path.join(work, 'build');
  runtimeDir = path.join(work, 'runtime');
  home = path.join(work, 'home');
  const npmPrefix = path.join(work, 'npm-global');
  for (const dir of [buildDir, runtimeDir, home, npmPrefix]) fs.mkdirSync(dir, { recursive: true });
  if (RUNTIME_USER.uid !== undefined) fs.chownSync(home, RUNTIME_USER.uid, RUNTIME_USER.gid);
  const context = buildContext(ROOT);

  // The build stage: its COPYs from the context and its RUNs, in order. A global npm install
  // goes to a folder of this test's (npm_config_prefix), as it would go to the image's.
  // From the machine, only how it reaches the registry (its CA and proxy settings, and the
  // global npmrc that names them, which a prefix of our own would hide), as a Docker build
  // takes its daemon's network.
  const globalconfig = spawnSync('npm', ['config', 'get', 'globalconfig'], { encoding: 'utf8' }).stdout.trim();
  const network = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k, v]) => v !== undefined && /^(NODE_EXTRA_CA_CERTS|SSL_CERT_FILE|SSL_CERT_DIR|(HTTPS?|NO)_PROXY)$/i.test(k),
    ),
  ) as Record<string, string>;
  const buildEnv = {
    ...network,
    PATH: `${npmPrefix}/bin:${process.env.PATH ?? ''}`,
    HOME: process.env.HOME ?? '',
    npm_config_globalconfig: globalconfig,
    npm_config_prefix: npmPrefix,
    npm_config_prefer_offline: 'true',
    ...stageEnv(build),
  };
  for (const i of build.instructions) {
    if (i.op === 'COPY') {
      const { from, sources, dest } = copyArgs(i);
      if (from) throw new Error('the build stage copies from the context only');
      copyInto(ROOT, context, sources, dest, buildDir);
    } else if (i.op === 'RUN') {
      const r = spawnSync('sh', ['-c', i.args as string], {
        cwd: buildDir,
        env: buildEnv,
        encoding: 'utf8',
        timeout: BUILD_TIMEOUT_MS,
      });
      if (r.status !== 0) throw new Error(`RUN ${String(i.args)} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
    } else if (!['WORKDIR', 'ENV'].includes(i.op)) throw new Error(`build stage: ${i.op} is not read by this test`);
  }

  // The runtime stage: what it copies from the build stage and the context, and nothing else.
  for (const i of only(runtime, 'COPY')) {
    const { from, sources, dest } = copyArgs(i);
    if (from === undefined) copyInto(ROOT, context, sources, dest, runtimeDir);
    else {
      if (from !== build.name) throw new Error(`COPY --from=${from}: no such stage`);
      for (const src of sources) {
        const target = path.join(runtimeDir, dest);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        // cp -a keeps node_modules/.bin's relative links relative.
        const cp = spawnSync('cp', ['-a', path.join(buildDir, src.replace(/^\/app\//, '')), target], { encoding: 'utf8' });
        if (cp.status !== 0) throw new Error(`COPY --from=build ${src}: ${cp.stderr}`);
      }
    }
  }
}

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('the Dockerfile', () => {
  it(
    'runs as a user that is not root, with the workflow bundle baked in and NODE_ENV=production',
    async () => {
      await buildImage();
      const [user] = only(runtime, 'USER');
      expect(user?.args).toMatch(/^\S+$/);
      expect(['root', '0', '0:0']).not.toContain(user!.args);
      expect(fs.existsSync(path.join(runtimeDir, 'dist/workflow-bundle.js'))).toBe(true);
      expect(fs.existsSync(path.join(runtimeDir, 'cli'))).toBe(false); // no TypeScript sources
      expect(stageEnv(runtime).NODE_ENV).toBe('production');
      expect(execForm(runtime, 'CMD')).toEqual(['api']);
    },
    BUILD_TIMEOUT_MS,
  );

  it(
    'starts from the runtime folder: --version and check with the baked-in campaigns and templates',
    async () => {
      await buildImage();
      const { version } = JSON.parse(read('package.json')) as { version: string };
      expect(runImage(['--version'])).toEqual({ code: 0, out: `${version}\n` });
      const check = runImage(['check']);
      expect(check.out).toMatch(/clean/);
      expect(check.code).toBe(0);
    },
    BUILD_TIMEOUT_MS,
  );
});

describe('compose.yaml', () => {
  const compose = parse(read('compose.yaml'), { merge: true }) as {
    services: Record<string, Record<string, unknown> & { environment?: Record<string, unknown> }>;
  };
  const services = compose.services;
  /** What an operator's .env gives: every variable compose interpolates, and no more. */
  const dotenv: Record<string, string> = {
    POSTGRES_PASSWORD: 'a-postgres-password',
    NURTURE_MIGRATE_DB_PASSWORD: 'a-migrate-password',
    NURTURE_APP_DB_PASSWORD: 'an-app-password',
    PUBLIC_URL: 'https://nurture.example.com',
    SMTP_URL: 'smtp://mailpit:1025',
    MAIL_FROM: 'Example <hello@example.com>',
    MAIL_POSTAL_ADDRESS: 'Example Inc., 1 Main Street, Springfield',
    ...OPERATOR_SECRETS,
  };
  const interpolated = new Set<string>();
  const envOf = (name: string, vars = dotenv): Record<string, string> =>
    Object.fromEntries(
      Object.entries(services[name]?.environment ?? {}).map(([k, v]) => [k, interpolate(String(v), vars, interpolated)]),
    );

  it('has the services of a deployment', () => {
    for (const name of ['postgres', 'temporal', 'migrate', 'setup-temporal', 'api', 'worker', 'mailpit'])
      expect(Object.keys(services)).toContain(name);
  });

  it('sets on the API and the workers only settings the code reads', () => {
    for (const name of ['api', 'worker', 'migrate', 'setup-temporal'])
      for (const key of Object.keys(envOf(name)))
        expect(SETTING_NAMES.has(key) || NODE_SETTINGS.has(key), `${name}: ${key} is not a setting Nurture reads`).toBe(true);
  });

  it('gives the API and the workers every setting they must have, their own secrets and NODE_ENV=production', () => {
    for (const role of ['api', 'worker'] as const) {
      const env = envOf(role);
      expect(env.NODE_ENV).toBe('production');
      // The code's own rule (config/safety.ts), as `nurture api` and `nurture worker` apply it.
      expect(safetyProblems(loadConfig(env), role), role).toEqual([]);
    }
    // The worker asks only for what it uses (test/trust-config.test.ts): no admin tokens, no
    // webhook secret; and neither process gets the owner role of the database.
    expect(Object.keys(envOf('worker'))).not.toContain('ADMIN_TOKENS');
    expect(Object.keys(envOf('worker'))).not.toContain('WEBHOOK_SECRET');
    for (const role of ['api', 'worker']) expect(new URL(envOf(role).DATABASE_URL!).username).toBe('nurture_app');
    expect(new URL(envOf('migrate').DATABASE_URL!).username).toBe('nurture_migrate');
  });

  it('refuses to start without each secret: no development value can serve', () => {
    for (const secret of Object.keys(OPERATOR_SECRETS)) {
      const without = { ...dotenv, [secret]: '' };
      const role = secret === 'WEBHOOK_SECRET' || secret === 'ADMIN_TOKENS' ? 'api' : 'worker';
      expect(() => envOf(role, without), secret).toThrow(`required variable ${secret}`);
    }
  });

  it('lists in deploy/compose/env.example exactly the variables it reads from .env', () => {
    for (const name of Object.keys(services)) envOf(name);
    const example = [...read('deploy/compose/env.example').matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);
    expect(new Set(example)).toEqual(interpolated);
  });

  it('probes /healthz or /readyz on the port each process serves, and waits for what it needs', () => {
    const probe = (name: string) => (services[name]?.healthcheck as { test: string[] }).test.join(' ');
    expect(probe('api')).toMatch(new RegExp(`:${envOf('api').PORT}/(readyz|healthz)`));
    expect(probe('worker')).toMatch(new RegExp(`:${envOf('worker').WORKER_HEALTH_PORT}/(readyz|healthz)`));
    const [healthcheck] = only(runtime, 'HEALTHCHECK');
    expect((healthcheck!.args as string[]).join(' ')).toMatch(/\/healthz/);
    for (const name of ['api', 'worker'])
      expect(services[name]?.depends_on).toMatchObject({
        migrate: { condition: 'service_completed_successfully' },
        'setup-temporal': { condition: 'service_completed_successfully' },
      });
    expect(services.migrate?.depends_on).toMatchObject({ postgres: { condition: 'service_healthy' } });
  });

  it(
    'runs real nurture commands',
    async () => {
      await buildImage();
      const commands = ['api', 'worker', 'migrate'].map((name) => services[name]?.command as string[]);
      const setup = (services['setup-temporal']?.command as string[])
        .join(' ')
        .match(/bin\/nurture\.mjs ([a-z ]+?)(?= --| &&|$)/);
      expect(setup?.[1]).toBe('setup temporal');
      for (const command of [...commands, setup![1]!.split(' ')]) {
        const help = runImage([...command, '--help']);
        expect(help.code, `nurture ${command.join(' ')}: ${help.out}`).toBe(0);
      }
    },
    BUILD_TIMEOUT_MS,
  );
});

describe('the mail catcher certificate', () => {
  it('deploy/compose/make-mail-tls.sh makes one that Node trusts for the host name mailpit through NODE_EXTRA_CA_CERTS', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nurture-mail-tls-'));
    fs.copyFileSync(path.join(ROOT, 'deploy/compose/make-mail-tls.sh'), path.join(dir, 'make-mail-tls.sh'));
    let server: tls.Server | undefined;
    try {
      const made = spawnSync('sh', [path.join(dir, 'make-mail-tls.sh')], { encoding: 'utf8' });
      expect(made.status, made.stderr).toBe(0);
      const certs = path.join(dir, 'mail-tls');
      server = tls.createServer({
        cert: fs.readFileSync(path.join(certs, 'mailpit.pem')),
        key: fs.readFileSync(path.join(certs, 'mailpit.key')),
      });
      server.on('secureConnection', (socket) => socket.end('220 mailpit\r\n'));
      await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as { port: number };
      // A child process, because Node reads NODE_EXTRA_CA_CERTS once, at start.
      const client = `require('tls').connect({ host: '127.0.0.1', port: ${port}, servername: 'mailpit' })
        .on('secureConnect', () => process.exit(0)).on('error', (e) => { console.error(e.message); process.exit(1); });`;
      const child = spawn(process.execPath, ['-e', client], {
        env: { PATH: process.env.PATH ?? '', NODE_EXTRA_CA_CERTS: path.join(certs, 'ca.pem') },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let err = '';
      child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      const code = await new Promise((resolve) => child.once('exit', resolve));
      expect(code, err).toBe(0);
    } finally {
      server?.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the systemd units', () => {
  it('pass systemd-analyze verify, and deploy/nurture.env.example names every setting and only those', () => {
    // A template is verified through an instance of it.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nurture-units-'));
    try {
      const units = ['nurture-api.service', 'nurture-migrate.service', 'nurture-worker@.service'].map((name) => {
        const target = path.join(dir, name.replace('@.', '@1.'));
        fs.copyFileSync(path.join(ROOT, 'deploy/systemd', name), target);
        return target;
      });
      const verify = spawnSync('systemd-analyze', ['verify', ...units], { encoding: 'utf8' });
      // Unknown keys and bad values are warnings on stderr with exit code 0.
      expect(`${verify.stdout}${verify.stderr}`).toBe('');
      expect(verify.status).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const named = new Set([...read('deploy/nurture.env.example').matchAll(/^#?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));
    expect(named).toEqual(SETTING_NAMES);
  });
});

describe('the database roles of docs/deploy.md', () => {
  const suffix = crypto.randomBytes(4).toString('hex');
  const names = { database: `nurture_deploy_${suffix}`, migrate: `nurture_migrate_${suffix}`, app: `nurture_app_${suffix}` };
  const admin = 'postgresql://postgres@127.0.0.1:5432/postgres';
  const urlFor = (role: string) => `postgresql://${role}:a-password@127.0.0.1:5432/${names.database}`;

  afterAll(async () => {
    const client = new pg.Client({ connectionString: admin });
    await client.connect();
    try {
      await client.query(`drop database if exists ${names.database} with (force)`);
      for (const role of [names.app, names.migrate]) await client.query(`drop role if exists ${role}`);
    } finally {
      await client.end();
    }
  });

  it('docs/deploy.md shows deploy/postgres/nurture-roles.sql as it is', () => {
    const blocks = [...read('docs/deploy.md').matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]);
    expect(blocks).toContain(read('deploy/postgres/nurture-roles.sql'));
  });

  it(
    'the migrate role migrates from the image; the app role reads and writes rows and cannot create a table',
    async () => {
      await buildImage();
      // The SQL as docs/deploy.md runs it, with names of this test's own.
      const sql = read('deploy/postgres/nurture-roles.sql')
        .replace(/\bnurture_migrate\b/g, names.migrate)
        .replace(/\bnurture_app\b/g, names.app)
        .replace(/\bnurture\b/g, names.database);
      const psql = spawnSync(
        'psql',
        ['-h', '127.0.0.1', '-U', 'postgres', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1'].concat([
          '-v',
          'migrate_password=a-password',
          '-v',
          'app_password=a-password',
        ]),
        { input: sql, encoding: 'utf8' },
      );
      expect(psql.status, `${psql.stdout}${psql.stderr}`).toBe(0);

      const migrate = runImage(['migrate'], { DATABASE_URL: urlFor(names.migrate) });
      expect(migrate.out).toMatch(/migrations have been successfully applied|All migrations/);
      expect(migrate.code).toBe(0);

      const app = new pg.Client({ connectionString: urlFor(names.app) });
      await app.connect();
      try {
        const email = `deploy-${suffix}@example.com`;
        await app.query('insert into leads (id, email, updated_at) values (gen_random_uuid(), $1, now())', [email]);
        expect((await app.query('select email from leads where email = $1', [email])).rows).toEqual([{ email }]);
        await expect(app.query('create table nurture_scratch (id int)')).rejects.toMatchObject({ code: '42501' });
        await expect(app.query('drop table leads')).rejects.toMatchObject({ code: '42501' });
      } finally {
        await app.end();
      }
    },
    BUILD_TIMEOUT_MS,
  );

  it(
    'the image serves as the app role: API and worker take a signed signup to its welcome email, and pass the HEALTHCHECK',
    async () => {
      await buildImage();
      const inbox = await startSmtpInbox({ port: 0, dir: path.join(work, 'inbox') });
      const env = {
        ...OPERATOR_SECRETS,
        DATABASE_URL: urlFor(names.app),
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        TEMPORAL_TASK_QUEUE: `deploy-${suffix}`,
        PUBLIC_URL: 'https://nurture.example.com',
        SMTP_URL: inbox.url,
        LOG_LEVEL: 'info',
      };
      const apiEnv = { ...env, PORT: String(await freePort()) };
      const workerEnv = { ...env, WORKER_HEALTH_PORT: String(await freePort()) };
      const api = startImage(execForm(runtime, 'CMD'), apiEnv);
      const worker = startImage(['worker'], workerEnv);
      try {
        await Promise.all([api.waitFor(/API listening/), worker.waitFor(/worker running/)]);
        const email = `signup-${suffix}@example.com`;
        const body = JSON.stringify({ email, firstName: 'Ada' });
        const res = await fetch(`http://127.0.0.1:${apiEnv.PORT}/webhooks/signup`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'nurture-signature': signatureHeader(OPERATOR_SECRETS.WEBHOOK_SECRET, body),
          },
          body,
        });
        expect(res.status, api.output()).toBe(202);
        const welcome = await inbox.waitFor((m) => m.to.includes(email));
        expect((await simpleParser(welcome.raw)).subject).toMatch(/Ada/);
        expect(worker.output()).toContain('Using the prebuilt workflow bundle');

        // The image's own probe, in each process's environment; and readiness, which asks
        // PostgreSQL (as the app role) and Temporal.
        const [healthcheck] = only(runtime, 'HEALTHCHECK');
        const [probe, ...probeArgs] = healthcheck!.args as string[];
        expect(probe).toBe('CMD');
        for (const processEnv of [apiEnv, workerEnv]) {
          const r = spawnSync(probeArgs[0]!, probeArgs.slice(1), {
            ...runtimeSpawnOptions(processEnv),
            encoding: 'utf8',
            timeout: 10_000,
          });
          expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
        }
        expect((await fetch(`http://127.0.0.1:${apiEnv.PORT}/readyz`)).status).toBe(200);
        expect((await fetch(`http://127.0.0.1:${workerEnv.WORKER_HEALTH_PORT}/readyz`)).status).toBe(200);
      } finally {
        await Promise.all([api.stop(), worker.stop()]);
        await inbox.close();
      }
    },
    BUILD_TIMEOUT_MS,
  );
});
