// Where a journey is inside its campaign: a cursor is a stage's step list ('steps' or the
// stall rule's 'reengage') plus a path like [2, 'then', 0] into nested branches.
import type { Campaign, Step } from '../campaign/schema.ts';
import type { Cursor } from './state.ts';

/** The step a cursor points at, or undefined at the end of its block. */
export function stepAtCursor(campaign: Campaign, stageName: string | null, cursor: Cursor): Step | undefined {
  const stage = campaign.stages[stageName ?? ''];
  if (stage === undefined) throw new Error(`campaign ${campaign.id} has no stage ${stageName}`);
  let list: Step[] = cursor.root === 'steps' ? stage.steps : (stage.stall?.reengage ?? []);
  let step: Step | undefined;
  for (let i = 0; i < cursor.path.length; i += 2) {
    step = list[cursor.path[i] as number];
    const branch = cursor.path[i + 1];
    if (branch === undefined) break;
    if (step === undefined) return undefined;
    list = (step as unknown as Record<string, Step[]>)[branch as string] ?? [];
  }
  return step;
}

export function locationOf(cursor: Cursor): string {
  const where = cursor.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('');
  return `${cursor.root === 'steps' ? 'steps' : 'stall.reengage'}${where}`;
}
