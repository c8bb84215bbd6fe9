// Helpers for journey tests: campaign files in a test's own folder, enrollment through the
// real signup webhook, engagement as signals, and waiting on PostgreSQL rows.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { engagementSignal } from '../../workflows/journey/types.ts';
import type { TestStack } from './stack.ts';

export function campaignsDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nurture-campaigns-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, `${name}.yaml`), text);
  return dir;
}

export async function enroll(stack: TestStack, campaign: string, lead: Record<string, unknown> = {}) {
  const email = (lead.email as string | undefined) ?? stack.email(campaign);
  const res = await stack.post('/webhooks/signup', { email, firstName: 'Lee', ...lead, campaign });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return { email, leadId: res.body.leadId as string, workflowId: res.body.workflowId as string };
}

let eventCounter = 0;
export async function engage(
  stack: TestStack,
  workflowId: string,
  type: string,
  opts: { eventId?: string; data?: Record<string, unknown> } = {},
) {
  await stack.temporal.workflow.getHandle(workflowId).signal(engagementSignal, {
    eventId: opts.eventId ?? `evt-${process.pid}-${++eventCounter}-${Date.now()}`,
    type,
    occurredAt: new Date().toISOString(),
    data: opts.data,
  });
}

/** Templates sent to a journey, in the order they went out. */
export async function sentTemplates(stack: TestStack, workflowId: string): Promise<string[]> {
  const rows = await stack.db.sentMessage.findMany({ where: { workflowId, status: 'sent' }, orderBy: { sentAt: 'asc' } });
  return rows.map((r) => r.templateId);
}

export async function stagesOf(stack: TestStack, workflowId: string): Promise<string[]> {
  const rows = await stack.db.stageChange.findMany({ where: { workflowId }, orderBy: { occurredAt: 'asc' } });
  return rows.map((r) => r.toStage);
}
