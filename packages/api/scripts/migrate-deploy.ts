/** `prisma migrate deploy`, offline: applies pending migrations to DATABASE_URL (see src/db/migrate-command.ts). */
import { runMigrateCommand } from '../src/db/migrate-command.ts';

process.exitCode = await runMigrateCommand(process.env, {
  log: (line) => console.log(line),
  error: (line) => console.error(line),
});
