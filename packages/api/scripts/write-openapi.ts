/** Writes packages/api/openapi.json from the route schemas (Nx target `openapi`). */
import { OPENAPI_PATH, writeOpenApi } from '../src/openapi-document.ts';

await writeOpenApi();
console.log(`wrote ${OPENAPI_PATH}`);
