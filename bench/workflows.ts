// Workflow code of the benchmark's worker: the real journey, plus a bare workflow that calls
// one no-op activity and ends, which measures the engine's ceiling on this machine.
// Bundled for Temporal's sandbox like workflows/index.ts: no I/O, no Node APIs.
import { proxyActivities } from '@temporalio/workflow';

export { journeyWorkflow } from '../workflows/index.ts';

/** Registered by bench/worker.ts beside the journey's activities. */
export interface BenchActivities {
  benchNoop(): Promise<void>;
}

const { benchNoop } = proxyActivities<BenchActivities>({ startToCloseTimeout: '1 minute' });

export async function benchBareWorkflow(): Promise<void> {
  await benchNoop();
}
