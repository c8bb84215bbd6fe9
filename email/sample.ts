// A render context for previews and test sends: a sample (or given) lead, placeholder
// links under the public URL, no tracking. Real sends build theirs in the send activity.
import type { RenderContext } from './types.ts';

export const SAMPLE_LEAD: RenderContext['lead'] = {
  id: '00000000-0000-4000-8000-000000000000',
  email: 'ada@example.com',
  firstName: 'Ada',
  lastName: 'Lovelace',
  company: 'Analytical Engines Ltd',
  timezone: 'Europe/London',
  properties: { plan: 'Growth', seats: 12 },
};

export function sampleRenderContext(opts: {
  publicUrl: string;
  sender: RenderContext['sender'];
  lead?: Partial<RenderContext['lead']>;
  testMarker?: boolean;
  now?: Date;
}): RenderContext {
  const now = opts.now ?? new Date();
  return {
    lead: { ...SAMPLE_LEAD, ...opts.lead } as RenderContext['lead'],
    campaign: { id: 'example', name: 'Example campaign' },
    discount: { code: 'SAMPLE-7KQ2-9XPM', percent: 15, expiresAt: new Date(now.getTime() + 7 * 86_400_000).toISOString() },
    links: { unsubscribe: `${opts.publicUrl}/u/preview`, preferences: `${opts.publicUrl}/u/preview?preferences=1` },
    sender: opts.sender,
    publicUrl: opts.publicUrl,
    testMarker: opts.testMarker,
  };
}
