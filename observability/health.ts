// Readiness: each dependency is probed under one deadline, and the answer names what failed
// without echoing an error's message (a driver's message can carry a connection string).
import type { Client } from '@temporalio/client';

/**
 * A probe resolves when the dependency answers; a string it returns is why it is not ready. The
 * signal aborts at the deadline, so a client that retries on its own (Temporal's) stops then.
 */
export type Probe = (signal: AbortSignal) => Promise<string | void>;

/** Temporal answers: one cheap call, given up at the deadline. */
export const temporalProbe =
  (client: Client): Probe =>
  async (signal) => {
    await client.connection.withAbortSignal(signal, () => client.workflowService.getSystemInfo({}));
  };

export interface Readiness {
  ready: boolean;
  checks: Record<string, string>;
}

export async function checkReadiness(probes: Record<string, Probe>, timeoutMs: number): Promise<Readiness> {
  const names = Object.keys(probes);
  const results = await Promise.all(names.map((name) => runProbe(probes[name]!, timeoutMs)));
  const checks = Object.fromEntries(names.map((name, i) => [name, results[i]!]));
  return { ready: results.every((r) => r === 'ok'), checks };
}

async function runProbe(probe: Probe, timeoutMs: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const abort = new AbortController();
  const deadline = new Promise<string>((resolve) => {
    timer = setTimeout(() => {
      resolve(`timed out after ${timeoutMs} ms`);
      abort.abort();
    }, timeoutMs);
  });
  const answer = probe(abort.signal).then(
    (reason) => reason ?? 'ok',
    (err: unknown) => `failed: ${describeError(err)}`,
  );
  try {
    return await Promise.race([answer, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** The error's class and code (ECONNREFUSED, P1001, a gRPC status), never its message. */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return 'error';
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' || typeof code === 'number' ? `${err.name} (${code})` : err.name;
}
