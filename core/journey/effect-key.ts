// The key under which a step's effect is written to PostgreSQL (a sent message, a stage change,
// a flag, a discount code, a sales notification): unique per journey (workflow id) and step
// (step key), so that a retried activity finds its own row and never acts twice.

/** `<workflowId>#<stepKey>`, or `<workflowId>#<stepKey>#<effect>` where one step has several. */
export function effectKey(ref: { workflowId: string; stepKey: string }, effect?: string): string {
  return effect === undefined ? `${ref.workflowId}#${ref.stepKey}` : `${ref.workflowId}#${ref.stepKey}#${effect}`;
}
