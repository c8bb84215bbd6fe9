// The process faults of a chaos run, drawn from the seed and printed as they happen (the SMTP
// faults live in the sink):
//   - SIGKILL of a random worker every 20-40 s, and its restart;
//   - a kill inside the SMTP-accepted-to-recorded gap every 45-90 s (armed here, dealt by the sink);
//   - API restarts every 40-80 s, SIGKILL or SIGTERM at random;
//   - one SIGKILL and restart of the Temporal server, once a seeded 30-60 % of the signups are sent.
import type { Rng } from './rng.ts';
import { WORKER_SLOTS, type ChaosStack } from './stack.ts';

interface FaultCounts {
  workerKills: number;
  gapKillsArmed: number;
  apiRestarts: number;
  temporalKills: number;
}

export interface Faults {
  counts: FaultCounts;
  /** Stops scheduling faults and waits for the one in progress (its restart) to finish. */
  stop(): Promise<void>;
}

export function startFaults(stack: ChaosStack, rng: Rng, progress: () => number, log: (line: string) => void): Faults {
  const counts: FaultCounts = { workerKills: 0, gapKillsArmed: 0, apiRestarts: 0, temporalKills: 0 };
  const stopping = new AbortController();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(t);
        stopping.signal.removeEventListener('abort', wake);
        resolve();
      };
      const t = setTimeout(wake, ms);
      stopping.signal.addEventListener('abort', wake);
    });

  const loop = async (name: string, minS: number, maxS: number, act: () => Promise<void> | void) => {
    for (;;) {
      await sleep(rng.int(minS * 1000, maxS * 1000));
      if (stopping.signal.aborted) return;
      try {
        await act();
      } catch (err) {
        log(`fault ${name} failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  };

  const temporalAt = 0.3 + rng.next() * 0.3;
  log(`faults: the Temporal server is killed once ${Math.round(temporalAt * 100)} % of the signups are sent`);
  const loops = [
    loop('worker kill', 20, 40, () => {
      counts.workerKills++;
      return stack.killWorker(rng.pick(WORKER_SLOTS), '(random worker kill)');
    }),
    loop('gap kill', 45, 90, () => {
      counts.gapKillsArmed++;
      log('fault: gap kill armed (the next worker whose message the sink accepts dies right after the 250)');
      stack.sink.armGapKill();
    }),
    loop('API restart', 40, 80, () => {
      counts.apiRestarts++;
      return stack.restartApi(rng.chance(0.5));
    }),
    (async () => {
      while (progress() < temporalAt) {
        await sleep(500);
        if (stopping.signal.aborted) return;
      }
      counts.temporalKills++;
      await stack.killTemporal();
    })().catch((err: unknown) => log(`fault Temporal kill failed: ${err instanceof Error ? err.message : String(err)}`)),
  ];

  return {
    counts,
    async stop() {
      stopping.abort();
      await Promise.all(loops);
    },
  };
}
