/**
 * Build step: ships the API's OpenAPI document as `@taskboard/sdk/openapi.json`, so mock servers and
 * contract tests (Prism, openapi-backend, openapi-msw) use exactly the contract the client was built from.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
mkdirSync(join(packageRoot, 'dist'), { recursive: true });
copyFileSync(join(packageRoot, '../api/openapi.json'), join(packageRoot, 'dist/openapi.json'));
