import { defineConfig } from 'prisma/config';

// Only `prisma generate` uses this file; migrations run through src/db/migrator.ts,
// which needs no native engine download (see docs/decisions/0001-offline-migrations.md).
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
