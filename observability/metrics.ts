// Every Prometheus series Nurture exports, in one place. Label values are campaign ids,
// template ids, stages, statuses, event types and error classes: never an address or a lead id,
// which would leak personal data to the metrics store and make one series per person.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

// One registry per process for the counters: when the API and the worker share a process
// (`nurture dev`, the tests) they add to the same series, and either /metrics shows them.
const counters = new Registry();

const byCampaignTemplate = ['campaign', 'template'] as const;

export const signupsAccepted = new Counter({
  name: 'nurture_signups_accepted_total',
  help: 'Signups answered 202 (accepted), by campaign.',
  labelNames: ['campaign'] as const,
  registers: [counters],
});

export const eventsReceived = new Counter({
  name: 'nurture_events_received_total',
  help: 'Engagement events stored and signalled (duplicates not counted), by type.',
  labelNames: ['type'] as const,
  registers: [counters],
});

export const emailsSent = new Counter({
  name: 'nurture_emails_sent_total',
  help: 'Emails SMTP accepted, by campaign and template.',
  labelNames: byCampaignTemplate,
  registers: [counters],
});

export const emailsBounced = new Counter({
  name: 'nurture_emails_bounced_total',
  help: 'Sends refused by SMTP for the recipient or message (5xx at RCPT TO or DATA); the address is suppressed.',
  labelNames: byCampaignTemplate,
  registers: [counters],
});

export const emailsSuppressed = new Counter({
  name: 'nurture_emails_suppressed_total',
  help: 'Sends not made because the address is suppressed, erased or withdrew consent.',
  labelNames: byCampaignTemplate,
  registers: [counters],
});

export const emailsCapped = new Counter({
  name: 'nurture_emails_capped_total',
  help: 'Sends put off by the frequency cap (the journey retries them later).',
  labelNames: byCampaignTemplate,
  registers: [counters],
});

export const sendClaimsExpired = new Counter({
  name: 'nurture_send_claims_expired_total',
  help: "Sends taken over after a dead attempt's claim ran out (resent with the same Message-ID).",
  labelNames: byCampaignTemplate,
  registers: [counters],
});

export const smtpErrors = new Counter({
  name: 'nurture_smtp_errors_total',
  help: 'SMTP failures by class: bounce (5xx for the recipient), deferred (nothing delivered), unknown (the connection broke mid-message).',
  labelNames: ['class'] as const,
  registers: [counters],
});

export const sendDuration = new Histogram({
  name: 'nurture_email_send_duration_seconds',
  help: 'Time the SMTP conversation of one send took, success or not.',
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [counters],
});

const scrapeFailures = new Counter({
  name: 'nurture_metrics_query_failures_total',
  help: 'Scrapes whose PostgreSQL gauges could not be read (they are then left out of that scrape).',
  registers: [counters],
});

/** A gauge row read at scrape time: label values and the count. */
interface GaugeRow {
  labels: Record<string, string>;
  value: number;
}

/** How the scrape-time gauges are read (reports/metrics-gauges.ts, from PostgreSQL). */
export interface GaugeReaders {
  journeys(): Promise<GaugeRow[]>;
  stalled(): Promise<GaugeRow[]>;
}

/**
 * The registry a /metrics endpoint serves: the process's counters and, when given readers, the
 * gauges counted from PostgreSQL at each scrape (cheap: grouped counts over indexed columns).
 */
export function metricsRegistry(readers?: GaugeReaders): Registry {
  if (!readers) return counters;
  const gauges = new Registry();
  scrapeGauge(
    gauges,
    'nurture_journeys',
    'Journeys by campaign, stage and enrollment status.',
    ['campaign', 'stage', 'status'],
    readers.journeys,
  );
  scrapeGauge(
    gauges,
    'nurture_stalled_leads',
    'Active journeys flagged stalled, by campaign and stage.',
    ['campaign', 'stage'],
    readers.stalled,
  );
  return Registry.merge([counters, gauges]);
}

function scrapeGauge(registry: Registry, name: string, help: string, labelNames: string[], read: () => Promise<GaugeRow[]>) {
  new Gauge({
    name,
    help,
    labelNames,
    registers: [registry],
    async collect() {
      this.reset();
      try {
        for (const row of await read()) this.set(row.labels, row.value);
      } catch {
        scrapeFailures.inc();
      }
    },
  });
}
