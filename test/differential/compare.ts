// The two timelines in one shape, and where they differ. What is compared: sends (template,
// stage, step), stage changes (from, to, reason), flags (kind, reason), sales notifications
// (target, reason), discount codes (percent, how long valid) and how the journey ended, each
// with its step key, in order; and each entry's time, measured from an earlier entry or
// scripted item, within TIME_TOLERANCE_MS.
import type { Timeline } from '../../core/journey/simulate.ts';

/** Real activities take time and real timers fire a little late; the simulator's take none. */
export const TIME_TOLERANCE_MS = 1500;

export type EntryKind = 'send' | 'stage' | 'flag' | 'notify' | 'discount' | 'end';
export interface Entry {
  at: number;
  kind: EntryKind;
  /** Without the re-enrollment prefix `r<start ms>/`, which is a start time on both sides. */
  stepKey: string | null;
  stage: string | null;
  detail: string;
}

/** Step keys name the enrollment by its start time; that differs by the real latency. */
export function normalStepKey(key: string | null | undefined): string | null {
  return key ? key.replace(/^r\d+\//, 'r*/') : null;
}

export function discountDetail(percent: number, validForMs: number): string {
  return `${percent}% for ${Math.round(validForMs / 1000)}s`;
}

/** `waiting`: the journey was still going at the horizon; then only the stage is compared. */
export function endDetail(kind: string, reason: string, stage: string | null): string {
  return kind === 'waiting' ? `waiting in ${stage}` : `${kind}: ${reason}`;
}

/**
 * The simulator's entries in this shape. Ends followed by a re-enrollment are left out: the
 * real side keeps only the last end of a journey (its enrollment row and workflow result).
 */
export function simulatedEntries(t: Timeline): Entry[] {
  const out: Entry[] = [];
  t.entries.forEach((e, i) => {
    const at = Date.parse(e.at);
    const base = { at, stepKey: normalStepKey(e.stepKey), stage: e.stage };
    switch (e.kind) {
      case 'send':
        out.push({ ...base, kind: 'send', detail: e.detail.replace(/ \(code .*\)$/, '') });
        return;
      case 'stage':
      case 'flag':
        out.push({ ...base, kind: e.kind, detail: e.detail });
        return;
      case 'notify':
        out.push({ ...base, kind: 'notify', stage: null, detail: e.detail });
        return;
      case 'discount': {
        if (e.detail.endsWith('(issued before)')) return;
        const m = /^\S+: (\d+)% until (\S+)$/.exec(e.detail);
        if (!m) throw new Error(`unexpected discount entry: ${e.detail}`);
        out.push({ ...base, kind: 'discount', stage: null, detail: discountDetail(Number(m[1]), Date.parse(m[2]!) - at) });
        return;
      }
      case 'exit':
      case 'end':
        if (i !== t.entries.length - 1) return;
        out.push({
          ...base,
          stepKey: null,
          stage: null,
          kind: 'end',
          detail: endDetail(t.result.kind, t.result.reason, t.state.stage),
        });
        return;
      case 'event':
        return;
    }
  });
  return out;
}

const show = (e: Entry | undefined) =>
  e ? `${e.kind} [${e.stepKey ?? '-'}] ${e.detail}${e.stage ? ` (in ${e.stage})` : ''}` : '(nothing)';

/**
 * Problems, one line each; none when the timelines agree. `items` are the scripted items'
 * times on each side (simulated and as fired), the anchors for the time comparison.
 */
export function compareTimelines(
  sim: Entry[],
  real: Entry[],
  items: { sim: number[]; real: number[] },
): { problems: string[]; gapsMs: number[] } {
  const problems: string[] = [];
  const gapsMs: number[] = [];
  const n = Math.max(sim.length, real.length);
  for (let i = 0; i < n; i++) {
    const s = sim[i];
    const r = real[i];
    if (show(s) !== show(r)) {
      problems.push(`entry ${i + 1}: simulator ${show(s)} | workflow ${show(r)}`);
      break;
    }
    if (i === 0 || (s!.kind === 'end' && s!.detail.startsWith('waiting'))) continue;
    // Measured from what came before it (an entry, or a scripted item fired), whichever explains
    // its time best: a wait starts after the entry before it, but the stall clock started when
    // the stage was entered, and an event's effects start when it arrived.
    const anchors = [
      ...sim.slice(0, i).map((e, j) => ({ sim: e.at, real: real[j]!.at })),
      ...items.sim.flatMap((t, k) => (t <= s!.at && items.real[k] !== undefined ? [{ sim: t, real: items.real[k]! }] : [])),
    ];
    const off = (a: { sim: number; real: number }) => r!.at - a.real - (s!.at - a.sim);
    const best = anchors.reduce((x, y) => (Math.abs(off(y)) < Math.abs(off(x)) ? y : x));
    const gap = Math.abs(off(best));
    gapsMs.push(gap);
    if (gap > TIME_TOLERANCE_MS) {
      const before = anchors.reduce((x, y) => (y.sim > x.sim ? y : x));
      problems.push(
        `entry ${i + 1} (${show(s)}): ${s!.at - before.sim} ms after what came just before it in the simulator, ` +
          `${r!.at - before.real} ms in the workflow, and no earlier entry or item explains the difference`,
      );
    }
  }
  return { problems, gapsMs };
}
