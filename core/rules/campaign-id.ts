// A campaign id names a campaign in its file, in signups, in workflow ids
// (`journey/<campaign>/<lead>`), in URLs and in the database: lower-case only, so that one
// campaign has one spelling everywhere.
export const CAMPAIGN_ID_PATTERN = /^[a-z0-9][a-z0-9_-]*$/;
export const CAMPAIGN_ID_MAX_LENGTH = 100;
export const CAMPAIGN_ID_MESSAGE = 'must be a campaign id: lower-case letters, digits, - and _, starting with a letter or digit';

export function isCampaignId(s: string): boolean {
  return s.length <= CAMPAIGN_ID_MAX_LENGTH && CAMPAIGN_ID_PATTERN.test(s);
}
