// What every route module of the API receives. Temporal sits behind a deadline gate, so a
// route never waits on an unreachable cluster for longer than one call may take.
import type { Config } from '../config/index.ts';
import type { CampaignRegistry } from '../infra/campaigns.ts';
import type { Db } from '../infra/db.ts';
import type { Mailer } from '../infra/mailer.ts';
import type { TemporalGate } from '../workflows/journey/client.ts';

export interface RouteDeps {
  config: Config;
  db: Db;
  temporal: TemporalGate;
  /** The campaigns a signup may enroll in (re-read when their files change). */
  campaigns: CampaignRegistry;
  /** For the API's own few emails (the double opt-in confirmation); journeys send from workers. */
  mailer: Mailer;
}
