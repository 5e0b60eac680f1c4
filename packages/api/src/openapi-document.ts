import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { buildApp } from './app.ts';
import type { AppConfig } from './config.ts';

export const OPENAPI_PATH = fileURLToPath(new URL('../openapi.json', import.meta.url));

/** Configuration for building the app only to read its routes: nothing is contacted. */
const OFFLINE_CONFIG: AppConfig = {
  databaseUrl: 'postgresql://offline@127.0.0.1:1/none',
  databasePoolMax: 1,
  auth: {
    issuers: ['https://issuer.invalid'],
    clientIds: ['offline'],
    tokenUse: ['access'],
    clockSkewSeconds: 0,
    jwksRefetchIntervalMs: 0,
    jwksCacheTtlMs: 1000,
  },
  corsOrigins: [],
  rateLimit: { max: 1, windowMs: 1000 },
  bodyLimitBytes: 1024,
  idempotencyTtlSeconds: 60,
  logLevel: 'silent',
  docs: false,
  trustRequestId: true,
};

/** The OpenAPI document as committed in packages/api/openapi.json (stable formatting). */
export async function openApiDocument(): Promise<string> {
  const app = await buildApp({ config: OFFLINE_CONFIG, logger: false });
  try {
    await app.ready();
    return `${JSON.stringify(app.swagger(), null, 2)}\n`;
  } finally {
    await app.close();
  }
}

export async function writeOpenApi(path: string = OPENAPI_PATH): Promise<void> {
  await writeFile(path, await openApiDocument());
}
