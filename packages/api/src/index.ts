export { buildApp, type BuildAppOptions } from './app.ts';
export { REDACTED_PATHS, loggerOptions } from './fastify-options.ts';
export {
  loadAppConfig,
  loadServerConfig,
  ConfigError,
  type AppConfig,
  type ServerConfig,
  type AuthConfig,
} from './config.ts';
export { migrateDeploy, diffDatabaseToSchema, migrationNames, MIGRATIONS_DIR, SCHEMA_PATH } from './db/migrations.ts';
export { writeOpenApi, openApiDocument } from './openapi-document.ts';
