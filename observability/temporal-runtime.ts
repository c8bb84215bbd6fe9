// The worker process's Temporal runtime: the SDK's log lines (core and workflow/activity
// context) as JSON through pino, and the core's own metrics (series prefixed `temporal_`) on a
// Prometheus endpoint of their own, which the worker's /metrics appends to Nurture's series.
import net from 'node:net';
import { DefaultLogger, Runtime, type LogEntry } from '@temporalio/worker';
import type { LogLevel } from '@temporalio/common';
import type { DestinationStream, Level, LevelWithSilent, Logger } from 'pino';
import { createLogger } from './log.ts';

let coreMetricsUrl: string | undefined;

/**
 * Nurture's exposition followed by the core's. Joining is sound: the families' names differ
 * (`nurture_` and `temporal_`), and each keeps its own HELP and TYPE lines.
 */
export async function withTemporalMetrics(own: string, timeoutMs: number): Promise<string> {
  if (!coreMetricsUrl) return own;
  try {
    const res = await fetch(coreMetricsUrl, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) throw new Error(`status ${res.status}`);
    return `${own}\n${await res.text()}`;
  } catch {
    return `${own}\n# temporal core metrics unavailable\n`;
  }
}

export interface WorkerRuntimeOptions {
  level: LevelWithSilent;
  /** 127.0.0.1:<port> for the core's metrics; unset: a free port. */
  metricsPort?: number;
  /** Where log lines go (default stdout); tests read them. */
  destination?: DestinationStream;
}

/** Once per process, before the first connection: Runtime.install refuses a second call. */
export async function installWorkerRuntime(opts: WorkerRuntimeOptions): Promise<Logger> {
  const logger = createLogger(opts.level, opts.destination);
  const port = opts.metricsPort ?? (await freeLocalPort());
  const bindAddress = `127.0.0.1:${port}`;
  Runtime.install({
    // Signals are the process's to handle (cli/index.ts drains the worker on SIGINT/SIGTERM).
    shutdownSignals: [],
    logger: new DefaultLogger(sdkLevel(opts.level), (entry) => logSdkEntry(logger, entry)),
    telemetryOptions: { metrics: { prometheus: { bindAddress } } },
  });
  coreMetricsUrl = `http://${bindAddress}/metrics`;
  return logger;
}

export function sdkLevel(level: LevelWithSilent): LogLevel {
  if (level === 'silent' || level === 'fatal') return 'ERROR';
  return level.toUpperCase() as LogLevel;
}

/** One SDK entry as one pino line: its metadata (workflowId, runId, activityType…) as fields. */
export function logSdkEntry(logger: Logger, entry: LogEntry): void {
  const level = entry.level.toLowerCase() as Level;
  logger[level]({ ...entry.meta, sdk: true }, entry.message);
}

function freeLocalPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}
