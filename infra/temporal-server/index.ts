// The production-shaped Temporal server (PostgreSQL persistence), for scripts such as the
// crash campaign:
//   const settings = prodTemporalSettings({ TEMPORAL_PROD_PORT: '7343', TEMPORAL_PROD_DIR: dir });
//   const server = await startProdTemporal(settings);   // server.address, connectionOptions(server)
//   await server.kill(); await startProdTemporal(settings); ...; await stopProdTemporal(settings);
// The server outlives the process that started it: stop it when done.
export { resolveTemporalServer, TEMPORAL_SERVER_VERSION, type ServerBinaries } from './binaries.ts';
export { ensureNamespace, ensureSearchAttributes, missingSearchAttributes } from './namespace.ts';
export { migrateTemporalDatabases, type SchemaResult } from './schema.ts';
export {
  connectionOptions,
  prodTemporalStatus,
  readRunning,
  startProdTemporal,
  stopProdTemporal,
  type ProdTemporal,
  type ProdTemporalInfo,
  type ProdTemporalStatus,
} from './server.ts';
export { DEFAULT_PROD_PORT, PORTS_USED, prodTemporalSettings, type ProdTemporalSettings } from './settings.ts';
export { ensureTlsFiles, type TlsFiles } from './tls.ts';
