import { describe, expect, it } from 'vitest';
import { metricsRegistry, signupsAccepted } from './metrics.ts';

describe('metricsRegistry', () => {
  it('serves the counters and the gauges read at scrape time', async () => {
    signupsAccepted.inc({ campaign: 'unit-metrics' });
    let reads = 0;
    const registry = metricsRegistry({
      journeys: async () => {
        reads++;
        return [{ labels: { campaign: 'unit-metrics', stage: 'awareness', status: 'active' }, value: 3 }];
      },
      stalled: async () => [{ labels: { campaign: 'unit-metrics', stage: 'none' }, value: 1 }],
    });
    const text = await registry.metrics();
    expect(text).toContain('nurture_signups_accepted_total{campaign="unit-metrics"} 1');
    expect(text).toContain('nurture_journeys{campaign="unit-metrics",stage="awareness",status="active"} 3');
    expect(text).toContain('nurture_stalled_leads{campaign="unit-metrics",stage="none"} 1');
    await registry.metrics();
    expect(reads).toBe(2);
  });

  it('leaves the gauges out and counts the failure when PostgreSQL cannot be read', async () => {
    const registry = metricsRegistry({
      journeys: async () => {
        throw new Error('down');
      },
      stalled: async () => [],
    });
    expect(await registry.metrics()).not.toMatch(/^nurture_journeys\{/m);
    // Counters are serialized alongside the gauges' queries: the failure shows from the next scrape.
    expect(await registry.metrics()).toMatch(/^nurture_metrics_query_failures_total [1-9]/m);
  });
});
