// Secrets of an operator's own, for tests whose process serves others (a public https
// PUBLIC_URL or a non-loopback HOST): there the development defaults are refused
// (config/safety.ts).
export const OPERATOR_SECRETS = {
  WEBHOOK_SECRET: 'an-operator-webhook-secret',
  ADMIN_TOKENS: 'an-operator-admin-token',
  TRACKING_SECRET: 'an-operator-tracking-secret',
  ERASURE_HASH_KEY: 'an-operator-erasure-hash-key',
  SALES_WEBHOOK_SECRET: 'an-operator-sales-webhook-secret',
  PAYLOAD_KEYS: `operator:${Buffer.alloc(32, 3).toString('base64')}`,
};
