// SQL shared by the reports.
import { Prisma } from '../generated/prisma/client.ts';

/**
 * Timestamps are stored as UTC `timestamp` (without zone): compare them with UTC instants,
 * whatever the session's TimeZone.
 */
export const utc = (d: Date) => Prisma.sql`(${d.toISOString()}::timestamptz AT TIME ZONE 'UTC')`;
