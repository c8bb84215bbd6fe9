// The frequency cap: at most `max` marketing emails to one address within `perMs`, counted
// across every campaign. A capped send is not consumed: the journey retries it at retryAt.
// Pure, so the send activity and the simulator count the same way.

export interface FrequencyCap {
  max: number;
  perMs: number;
}

/**
 * When the next send fits under the cap, or undefined if it fits now. `times` are the ms of
 * the sends already counted for the address, in any order.
 */
export function capRetryAt(times: number[], cap: FrequencyCap, now: number): number | undefined {
  const inWindow = times.filter((t) => t > now - cap.perMs).sort((a, b) => a - b);
  if (inWindow.length < cap.max) return undefined;
  // Enough of the oldest must leave the window that fewer than `max` remain: more than `max`
  // can be counted when a cap was lowered or other sends carried none.
  return inWindow[inWindow.length - cap.max]! + cap.perMs;
}
