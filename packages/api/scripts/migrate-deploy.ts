/** `prisma migrate deploy`, offline: applies pending migrations to DATABASE_URL. */
import { migrateDeploy } from '../src/db/migrations.ts';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('DATABASE_URL is required');
  process.exit(2);
}
const applied = await migrateDeploy(url);
console.log(applied.length === 0 ? 'No pending migrations.' : `Applied: ${applied.join(', ')}`);
