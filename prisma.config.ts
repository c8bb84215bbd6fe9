// Prisma CLI configuration. Migrations run on the WebAssembly schema engine through the
// pg driver adapter, because the native engines are downloaded from a host these machines
// cannot reach (shared/PLATFORM.md). Run the CLI through `nurture migrate` or the npm
// scripts, which also point the CLI's engine look-up at placeholder files.
import { PrismaPg } from '@prisma/adapter-pg';
import { defineConfig } from 'prisma/config';

const url = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/nurture_dev';

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  adapter: async () => new PrismaPg({ connectionString: url }),
});
