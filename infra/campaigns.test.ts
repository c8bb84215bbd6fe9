import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CampaignRegistry } from './campaigns.ts';

const BROKEN = `id: broken
name: Broken
stages:
  desire:
    steps:
      - waitFor: click
        within: three days
`;

describe('CampaignRegistry', () => {
  let dir = '';
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('loads every yaml file and reports errors and duplicate ids', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'campaigns-'));
    const ok = 'id: one\nname: One\nstages:\n  a:\n    steps:\n      - send: welcome\n';
    await writeFile(path.join(dir, 'one.yaml'), ok);
    await writeFile(path.join(dir, 'one-again.yml'), ok);
    await writeFile(path.join(dir, 'broken.yaml'), BROKEN);
    await writeFile(path.join(dir, 'notes.txt'), 'not a campaign');
    const { campaigns, errors } = new CampaignRegistry(dir).scan();
    expect(campaigns.map((c) => c.campaign.id)).toEqual(['one']);
    expect(errors.map((e) => [path.basename(e.file), e.path, e.line])).toEqual([
      ['broken.yaml', 'stages.desire.steps[0].within', 7],
      ['one.yaml', 'id', 1],
    ]);
  });
});
