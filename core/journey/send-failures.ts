// Sends that no retry can make succeed. The send activity throws a non-retryable failure of
// one of these types; the journey flags the step ('failed') and then, by what the failure is
// about, goes on or ends:
// - about the content (the template is gone or cannot render for this lead): the step is
//   skipped and the journey goes on, so one broken email does not strand the lead;
// - about the lead (the lead row is gone, the address is not one we can send to): the journey
//   ends as exited, since every later send would fail the same way.
// Workflow-safe (no I/O): the workflow, the activities and the interpreter share it.

export const PERMANENT_SEND_FAILURES = {
  LeadGone: 'lead',
  InvalidAddress: 'lead',
  UnknownTemplate: 'content',
  TemplateRenderFailed: 'content',
} as const;

export type PermanentSendFailure = keyof typeof PERMANENT_SEND_FAILURES;

export function isPermanentSendFailure(type: string | null | undefined): type is PermanentSendFailure {
  return type != null && Object.hasOwn(PERMANENT_SEND_FAILURES, type);
}

/** Does the journey end after this failure (true) or skip the step and go on (false)? */
export function endsJourney(type: PermanentSendFailure): boolean {
  return PERMANENT_SEND_FAILURES[type] === 'lead';
}
