// The Temporal server and its SQL schema tool, as a self-hosted cluster runs them, built once
// through the Go module proxy (see README.md here). go.temporal.io/server's go.mod has no
// `replace` directive, so `go install pkg@version` builds its own mains directly.
import fs from 'node:fs';
import path from 'node:path';
import { binCacheDir, buildOnce, goInstall, goModuleDir, type Log } from '../go-build.ts';

const TEMPORAL_SERVER_VERSION = 'v1.29.1';
const SERVER_MODULE = 'go.temporal.io/server';
/** The PostgreSQL schema versions shipped in the module, copied next to the binaries. */
const SCHEMA_SUBDIR = path.join('schema', 'postgresql', 'v12');

export interface ServerBinaries {
  server: string;
  sqlTool: string;
  /** `<schemaDir>/temporal/versioned` and `<schemaDir>/visibility/versioned`. */
  schemaDir: string;
}

/** The cached build (building it first if missing): the server, temporal-sql-tool and the schema. */
export function resolveTemporalServer(opts: { log?: Log } = {}): ServerBinaries {
  const log = opts.log ?? ((l) => console.error(l));
  const dir = binCacheDir(`temporal-server-${TEMPORAL_SERVER_VERSION}`);
  buildOnce(
    dir,
    `the Temporal server ${TEMPORAL_SERVER_VERSION}`,
    (staging, go) => {
      goInstall(go, staging, [
        `${SERVER_MODULE}/cmd/server@${TEMPORAL_SERVER_VERSION}`,
        `${SERVER_MODULE}/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}`,
      ]);
      // `go install` names binaries after their package folders.
      fs.renameSync(path.join(staging, 'server'), path.join(staging, 'temporal-server'));
      fs.renameSync(path.join(staging, 'sql'), path.join(staging, 'temporal-sql-tool'));
      // The module cache may be cleaned later; the schema must stay with the binaries it matches.
      const moduleDir = goModuleDir(go, `${SERVER_MODULE}@${TEMPORAL_SERVER_VERSION}`);
      const schemaDir = path.join(staging, SCHEMA_SUBDIR);
      fs.cpSync(path.join(moduleDir, SCHEMA_SUBDIR), schemaDir, { recursive: true });
      makeWritable(schemaDir); // module cache files are read-only; keep the cache removable with rm -r
    },
    log,
  );
  return {
    server: path.join(dir, 'temporal-server'),
    sqlTool: path.join(dir, 'temporal-sql-tool'),
    schemaDir: path.join(dir, SCHEMA_SUBDIR),
  };
}

function makeWritable(p: string): void {
  const stat = fs.statSync(p);
  fs.chmodSync(p, stat.mode | 0o200);
  if (stat.isDirectory()) for (const entry of fs.readdirSync(p)) makeWritable(path.join(p, entry));
}
