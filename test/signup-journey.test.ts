// The thinnest real journey, end to end on the real stack: a signup webhook starts the
// lead's workflow, which sends the welcome email over SMTP and records it in PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simpleParser } from 'mailparser';
import { FunnelStageKey } from '../workflows/journey/search-attributes.ts';
import { apiTestEnv } from './support/api.ts';
import { startStack, type TestStack } from './support/stack.ts';
import { POLL } from './support/timing.ts';

// Its own campaign: the shipped example has a weekday send window, and tests must not
// depend on the time of day.
const campaign = apiTestEnv();
let stack: TestStack;
beforeAll(async () => {
  stack = await startStack(campaign.env);
});
afterAll(async () => {
  await stack?.close();
  campaign.cleanup();
});

describe('POST /webhooks/signup', () => {
  it('enrolls the lead and delivers one welcome email', async () => {
    const email = stack.email('welcome');
    const res = await stack.post('/webhooks/signup', { email, firstName: 'Ada' });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ newLead: true, enrolled: true });
    expect(res.body.workflowId).toBe(`journey/${campaign.id}/${res.body.leadId}`);

    const received = await stack.inbox.waitFor((m) => m.to.includes(email));
    const mail = await simpleParser(received.raw);
    expect(mail.subject).toMatch(/Ada/);
    expect(mail.html).toContain('Ada');
    expect(mail.text).toContain('Ada');

    const lead = await stack.db.lead.findUniqueOrThrow({ where: { email }, include: { messages: true, stageChanges: true } });
    expect(lead.stage).toBe('awareness');
    await expect
      .poll(async () => (await stack.db.sentMessage.findMany({ where: { leadId: lead.id } })).map((m) => m.status), POLL)
      .toEqual(['sent']);
    expect(lead.stageChanges.map((c) => c.toStage)).toEqual(['awareness']);

    const description = await stack.temporal.workflow.getHandle(res.body.workflowId).describe();
    expect(description.typedSearchAttributes.get(FunnelStageKey)).toBe('awareness');
  });

  it('sends exactly one welcome email when the same signup repeats, even concurrently', async () => {
    const email = stack.email('repeat');
    // Six deliveries of the same signup at once: none has finished before the others start.
    const all = await Promise.all(Array.from({ length: 6 }, () => stack.post('/webhooks/signup', { email, firstName: 'Grace' })));
    expect(all.map((r) => r.status)).toEqual(Array(6).fill(202));
    const workflowId = all[0]!.body.workflowId as string;
    expect(new Set(all.map((r) => r.body.workflowId))).toEqual(new Set([workflowId]));
    expect(new Set(all.map((r) => r.body.leadId)).size).toBe(1);
    expect(all.filter((r) => r.body.newLead === true)).toHaveLength(1);
    // And once more after the journey is under way.
    await stack.inbox.waitFor((m) => m.to.includes(email));
    const later = await stack.post('/webhooks/signup', { email, firstName: 'Grace' });
    expect(later.body).toMatchObject({ workflowId, newLead: false });

    // One journey run: no second journey exists that could send.
    const runs: string[] = [];
    for await (const w of stack.temporal.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push(w.runId);
    expect(runs).toHaveLength(1);
    expect(await stack.db.sentMessage.count({ where: { lead: { email } } })).toBe(1);
    expect(stack.inbox.to(email)).toHaveLength(1);
    expect(await stack.db.lead.count({ where: { email } })).toBe(1);
  });

  it('answers 400 with a JSON error naming the field for an invalid body', async () => {
    const res = await stack.post('/webhooks/signup', { email: 'not-an-email', firstName: 'X' });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_body');
    expect(res.body.issues).toEqual([{ field: 'email', problem: 'must be an email address' }]);

    const missing = await stack.post('/webhooks/signup', { firstName: 'X' });
    expect(missing.status).toBe(400);
    expect(missing.body.issues[0].field).toBe('email');
  });
});
