// An engagement event's type, as a sender posts it and as a campaign waits for it, scores it
// or exits on it: a lower-case slug, so `pricing_viewed`, `pricing-viewed` and
// `trial.started` all work at both ends.
export const EVENT_TYPE_PATTERN = /^[a-z][a-z0-9_.-]*$/;
export const EVENT_TYPE_MAX_LENGTH = 64;

/** Types every campaign understands; campaigns may declare more (any slug). */
export const KNOWN_EVENT_TYPES = [
  'open',
  'click',
  'reply',
  'purchase',
  'demo_requested',
  'pricing_viewed',
  'unsubscribe',
  'bounce',
  'complaint',
] as const;

export const EVENT_TYPE_MESSAGE = `must be one of ${KNOWN_EVENT_TYPES.join(', ')} or a custom type (a lower-case slug of letters, digits, _, - or ., such as trial_started)`;
