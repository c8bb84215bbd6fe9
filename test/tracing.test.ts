// One signup, one trace: with OTEL_EXPORTER_OTLP_ENDPOINT pointing at a receiver in this
// process, the API and the worker export the webhook's request span, the client's
// SignalWithStartWorkflow, the journey's RunWorkflow and StartActivity:sendEmail (workflow
// interceptors, through the worker's sink), RunActivity:sendEmail and `smtp send`, each the
// parent of the next; and no span carries the lead's address or name.
import crypto from 'node:crypto';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataConverterFor } from '../infra/payload-codec.ts';
import { discardWorkflowSpans, flushTracing } from '../observability/tracing.ts';
import { apiTestEnv } from './support/api.ts';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './support/otlp-receiver.ts';
import { startStack, type TestStack } from './support/stack.ts';
import { POLL } from './support/timing.ts';

// One send, then the journey ends: its RunWorkflow span ends (and is exported) with it.
const campaignId = `trace-${crypto.randomBytes(4).toString('hex')}`;
const campaign = apiTestEnv({
  [campaignId]: `
id: ${campaignId}
name: Tracing (test)
stages:
  awareness:
    steps:
      - send: welcome
`,
});
let receiver: OtlpReceiver;
let stack: TestStack;
let workflowId: string | undefined;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  stack = await startStack({ ...campaign.env, DEFAULT_CAMPAIGN: campaignId, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
});
afterAll(async () => {
  await stack?.close();
  await receiver?.close();
  campaign.cleanup();
});

/** From `span` up through its parents, as far as they were exported. */
function ancestry(span: ReceivedSpan, all: ReceivedSpan[]): ReceivedSpan[] {
  const chain = [span];
  for (let s = span; s.parentSpanId;) {
    const parent = all.find((p) => p.traceId === s.traceId && p.spanId === s.parentSpanId);
    if (!parent) break;
    chain.push((s = parent));
  }
  return chain;
}

describe('tracing', () => {
  it('one trace from the signup webhook to the SMTP conversation, with no personal data in it', async () => {
    const email = stack.email('traced');
    const res = await stack.post('/webhooks/signup', { email, firstName: 'Adaline', lastName: 'Tracewell' });
    expect(res.status).toBe(202);
    await stack.inbox.waitFor((m) => m.to.includes(email));
    workflowId = res.body.workflowId as string;
    await stack.temporal.workflow.getHandle(workflowId).result();

    const webhook = () => receiver.spans.find((s) => s.name === 'POST /webhooks/signup');
    // The only send of this file: where a link is missing, the chain below shows where it stops.
    const smtp = () => receiver.spans.find((s) => s.name === 'smtp send');
    await expect
      .poll(async () => {
        await flushTracing();
        const s = smtp();
        return s && ancestry(s, receiver.spans).map((p) => `${p.service} ${p.name}`);
      }, POLL)
      .toEqual([
        'nurture-worker smtp send',
        'nurture-worker RunActivity:sendEmail',
        'nurture-worker StartActivity:sendEmail',
        'nurture-worker RunWorkflow:journeyWorkflow',
        'nurture-api SignalWithStartWorkflow:journeyWorkflow',
        'nurture-api POST /webhooks/signup',
      ]);

    expect(new Set(ancestry(smtp()!, receiver.spans).map((s) => s.traceId))).toEqual(new Set([webhook()?.traceId]));
    expect(webhook()).toMatchObject({
      attributes: { 'http.request.method': 'POST', 'http.route': '/webhooks/signup', 'http.response.status_code': 202 },
    });
    expect(webhook()?.parentSpanId).toBeUndefined();
    expect(smtp()?.attributes).toEqual({
      'nurture.campaign': campaignId,
      'nurture.template': 'welcome',
      'smtp.response_class': '2xx',
    });
    const run = receiver.spans.find((s) => s.name === 'RunWorkflow:journeyWorkflow');
    expect(run?.attributes).toMatchObject({ workflowId: res.body.workflowId, workflowType: 'journeyWorkflow' });
    // Only the ids of the workflow's info reach its spans (observability/tracing-sdk.ts).
    expect(Object.keys(run?.attributes ?? {})).not.toContain('memo');

    const sent = receiver.bodies.join('\n');
    expect(sent).not.toContain(email);
    expect(sent).not.toContain(email.split('@')[0]);
    expect(sent).not.toContain('Adaline');
    expect(sent).not.toContain('Tracewell');
  });

  it('the traced journey replays: the workflow interceptors are deterministic', async () => {
    expect(workflowId).toBeDefined();
    const history = await stack.temporal.workflow.getHandle(workflowId!).fetchHistory();
    await Worker.runReplayHistory(
      { workflowBundle: stack.workflowBundle, dataConverter: dataConverterFor(stack.config), sinks: discardWorkflowSpans },
      history,
      workflowId,
    );
  });
});
