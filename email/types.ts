// The data a template sees, and what a render produces. Lint knows the same shape (FIELDS),
// so a field a template names either exists here or fails at lint time, not at send time.
import type { LeadSnapshot } from '../core/lead.ts';

export interface RenderContext {
  /** The lead; previews may leave out its id and properties. */
  lead: Omit<LeadSnapshot, 'id' | 'properties'> & Partial<Pick<LeadSnapshot, 'id' | 'properties'>>;
  campaign?: { id: string; name?: string };
  discount?: { code: string; percent: number; expiresAt: string };
  links: { unsubscribe: string; preferences: string; openPixel?: string };
  /** Turns a destination URL into its click-tracking URL. */
  track?: (url: string) => string;
  sender: { name: string; postalAddress: string };
  publicUrl: string;
  /** Test sends: `[TEST] ` subject prefix and a visible banner. */
  testMarker?: boolean;
}

export interface RenderedEmail {
  subject: string;
  preheader: string;
  html: string;
  text: string;
  kind: string;
  templateId: string;
}

/** Lead fields other than `properties`; these are the keys a template's `fallbacks` may name. */
export const LEAD_FIELDS = ['id', 'email', 'firstName', 'lastName', 'company', 'timezone'] as const;
export type LeadField = (typeof LEAD_FIELDS)[number];

/**
 * Every root a template may reference, with its known children (null: a leaf).
 * `lead.properties.*` is checked separately against the template's declared `properties`.
 * `subject` and `preheader` are the rendered ones (layouts put them in <title> and the
 * hidden preheader); `body` exists only in layouts.
 */
export const FIELDS: Record<string, readonly string[] | null> = {
  lead: [...LEAD_FIELDS, 'properties'],
  campaign: ['id', 'name'],
  discount: ['code', 'percent', 'expiresAt'],
  links: ['unsubscribe', 'preferences', 'openPixel'],
  sender: ['name', 'postalAddress'],
  publicUrl: null,
  subject: null,
  preheader: null,
};

/** Roots whose values come from the lead (or anything the lead typed into a form). */
export const LEAD_DATA_ROOTS = new Set(['lead', 'subject', 'preheader']);
