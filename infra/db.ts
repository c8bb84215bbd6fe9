// PostgreSQL through Prisma's query compiler and the pg driver adapter (no native engine).
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.ts';

export type Db = PrismaClient;

export function createDb(url: string, poolMax = 10): Db {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: poolMax }) });
}

export { dropDatabase } from './db-admin.ts';
export { migrate } from './prisma-cli.ts';
