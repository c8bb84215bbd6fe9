// The campaigns a new enrollment can join, read from the campaigns folder. Files are
// re-read when they change (by size and mtime), so an edit reaches the next signup without a
// restart, while running journeys keep the version they enrolled with.
import fs from 'node:fs';
import path from 'node:path';
import {
  formatErrors,
  parseCampaign,
  templateReferences,
  type CampaignError,
  type ParsedCampaign,
  type TemplateReference,
} from '../core/campaign/load.ts';

interface Cached {
  stamp: string;
  result: ParsedCampaign | { ok: false; errors: CampaignError[] };
}

export class CampaignRegistry {
  private readonly cache = new Map<string, Cached>();

  constructor(readonly dir: string) {}

  /** Every campaign file, parsed (unchanged files come from the cache). */
  scan(): { campaigns: ParsedCampaign[]; errors: CampaignError[] } {
    const campaigns: ParsedCampaign[] = [];
    const errors: CampaignError[] = [];
    const seen = new Map<string, string>();
    for (const file of this.files()) {
      const st = fs.statSync(file);
      const stamp = `${st.size}:${st.mtimeMs}`;
      let entry = this.cache.get(file);
      if (entry?.stamp !== stamp) {
        entry = { stamp, result: parseCampaign(fs.readFileSync(file, 'utf8'), file) };
        this.cache.set(file, entry);
      }
      if (!entry.result.ok) {
        errors.push(...entry.result.errors);
        continue;
      }
      const other = seen.get(entry.result.campaign.id);
      if (other) {
        errors.push({
          file,
          line: 1,
          column: 1,
          path: 'id',
          message: `campaign id "${entry.result.campaign.id}" is also used by ${other}`,
        });
        continue;
      }
      seen.set(entry.result.campaign.id, file);
      campaigns.push(entry.result);
    }
    return { campaigns, errors };
  }

  /** Every `send:` in every campaign file, with its line, for the template linter. */
  templateRefs(): TemplateReference[] {
    return this.files().flatMap((file) => templateReferences(fs.readFileSync(file, 'utf8'), file));
  }

  private files(): string[] {
    if (!fs.existsSync(this.dir)) return [];
    return fs
      .readdirSync(this.dir)
      .filter((n) => /\.ya?ml$/i.test(n))
      .sort()
      .map((n) => path.join(this.dir, n));
  }

  get(id: string): ParsedCampaign | undefined {
    return this.scan().campaigns.find((c) => c.campaign.id === id);
  }

  /** Throws with every problem (file:line:col path: message) when any campaign is invalid. */
  assertValid(): ParsedCampaign[] {
    const { campaigns, errors } = this.scan();
    if (errors.length) throw new Error(`invalid campaign files:\n${formatErrors(errors).join('\n')}`);
    return campaigns;
  }
}
