// Helpers for the API tests: what a journey heard, and the links in a delivered email.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import type { EngagementSignal } from '../../workflows/journey/types.ts';

/** The engagement signals in a journey's (current run's) history, in order, decrypted with the client's codec. */
export async function engagementSignals(temporal: Client, workflowId: string): Promise<EngagementSignal[]> {
  const history = await temporal.workflow.getHandle(workflowId).fetchHistory();
  const { payloadCodecs, payloadConverter } = temporal.options.loadedDataConverter;
  const out: EngagementSignal[] = [];
  for (const e of history.events ?? []) {
    const attrs = e.workflowExecutionSignaledEventAttributes;
    if (attrs?.signalName !== 'engagement') continue;
    let payloads = (attrs.input?.payloads ?? []).slice(0, 1) as Payload[];
    for (const codec of [...payloadCodecs].reverse()) payloads = await codec.decode(payloads);
    if (payloads[0]) out.push(payloadConverter.fromPayload<EngagementSignal>(payloads[0]));
  }
  return out;
}

/** Path (with query) of every link to our API in an email's HTML: /t/o/, /t/c/ and /u/ links. */
export function apiLinks(html: string): { opens: string[]; clicks: string[]; unsubscribes: string[] } {
  const hrefs = [...html.matchAll(/(?:href|src)="([^"]+)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));
  const paths = hrefs.flatMap((h) => {
    try {
      const u = new URL(h);
      return [`${u.pathname}${u.search}`];
    } catch {
      return [];
    }
  });
  return {
    opens: paths.filter((p) => p.startsWith('/t/o/')),
    clicks: paths.filter((p) => p.startsWith('/t/c/')),
    unsubscribes: paths.filter((p) => p.startsWith('/u/')),
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A campaign for the API tests: the welcome email at once (no send window, no cap, so the
 * tests do not depend on the time of day), then a wait that keeps the journey running, and
 * the usual exits.
 */
const apiTestCampaign = (id: string) => `
id: ${id}
name: API (test)
exitOn:
  - unsubscribe
  - complaint
  - on: bounce
    where: { kind: hard }
stages:
  awareness:
    steps:
      - send: welcome
      - waitFor: [purchase]
`;

/**
 * startStack options for the API tests: their own campaigns folder with that campaign as the
 * default, under an id of the file's own (`api-test-…`), so no file sees another's leads;
 * `more` adds campaign files by name.
 */
export function apiTestEnv(more: Record<string, string> = {}): { id: string; env: Record<string, string>; cleanup(): void } {
  const id = `api-test-${crypto.randomBytes(4).toString('hex')}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nurture-api-campaigns-'));
  fs.writeFileSync(path.join(dir, `${id}.yaml`), apiTestCampaign(id));
  for (const [name, text] of Object.entries(more)) fs.writeFileSync(path.join(dir, `${name}.yaml`), text);
  return {
    id,
    env: { NURTURE_CAMPAIGNS_DIR: dir, DEFAULT_CAMPAIGN: id },
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
