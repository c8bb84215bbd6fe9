// The campaigns a page can show: every campaign file, plus campaign ids that only the
// database still knows (a file renamed or removed while leads are enrolled).
import { html, raw, type Html } from './html.ts';
import type { DashboardContext } from './view.ts';

export interface CampaignChoice {
  id: string;
  name: string;
  hasFile: boolean;
}

export async function listCampaigns(ctx: DashboardContext): Promise<CampaignChoice[]> {
  const files = ctx.campaigns.scan().campaigns.map((c) => ({ id: c.campaign.id, name: c.campaign.name, hasFile: true }));
  // Skip scan over the (campaign_id, stage) index: one probe per campaign, not per enrollment.
  const rows = await ctx.db.$queryRaw<Array<{ id: string }>>`
    WITH RECURSIVE c AS (
      (SELECT campaign_id FROM enrollments ORDER BY campaign_id LIMIT 1)
      UNION ALL
      SELECT (SELECT campaign_id FROM enrollments WHERE campaign_id > c.campaign_id ORDER BY campaign_id LIMIT 1) FROM c WHERE c.campaign_id IS NOT NULL)
    SELECT campaign_id AS id FROM c WHERE campaign_id IS NOT NULL`;
  const known = new Set(files.map((f) => f.id));
  return [...files, ...rows.filter((r) => !known.has(r.id)).map((r) => ({ id: r.id, name: r.id, hasFile: false }))].sort((a, b) =>
    a.id.localeCompare(b.id),
  );
}

export function campaignSelect(choices: CampaignChoice[], selected: string | undefined, opts: { any?: boolean } = {}): Html {
  const ids = choices.map((c) => c.id);
  const all = selected && !ids.includes(selected) ? [...choices, { id: selected, name: selected, hasFile: false }] : choices;
  return html`<label
    >Campaign<select name="campaign">
      ${opts.any ? html`<option value="">All campaigns</option>` : ''}
      ${all.map((c) => html`<option value="${c.id}" ${raw(c.id === selected ? ' selected' : '')}>${c.name === c.id ? c.id : `${c.name} (${c.id})`}</option>`)}
    </select></label
  >`;
}
