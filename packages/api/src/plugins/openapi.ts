import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { CONTRACT_VERSION } from '../contract-version.ts';
import { CORS_EXTENSION, CORS_POLICY } from '../http/cors-policy.ts';

/** `info.version`: moves with @taskboard/sdk releases (see ../contract-version.ts). */
export const API_VERSION = CONTRACT_VERSION;

/**
 * Swagger UI's assets in the bundled artifact: scripts/bundle.ts copies them to `static/` beside
 * server.js. Bundled, the plugin would look for them one folder above the artifact (its own
 * `__dirname/../static`), so it is given this folder (`baseDir`, the plugin's documented way for
 * bundles); run from source there is no such folder and the plugin serves its own.
 */
function bundledUiAssets(): string | undefined {
  return [fileURLToPath(new URL('static', import.meta.url))].find((dir) => existsSync(dir));
}

/**
 * OpenAPI 3.1 from the route schemas. Shared models keep their $id as component names,
 * so the generated SDK and API Gateway models have readable names.
 */
export const openapiPlugin = fp(
  async (app: FastifyInstance, options: { ui: boolean }) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Taskboard API',
          version: API_VERSION,
          description:
            'Projects and tasks. Authenticate with an Amazon Cognito access token: `Authorization: Bearer <token>`. ' +
            'Errors are application/problem+json (RFC 9457). Lists are cursor-paginated. ' +
            'Responses carry an ETag; PUT and DELETE honour If-Match. POST accepts Idempotency-Key.\n\n' +
            // Swagger UI at /docs renders this as Markdown: how to try the API from this page locally.
            '**Try it out locally** (`npm start`): run `npm run -s token` in the repository, click **Authorize**, ' +
            'paste the token and close the dialog. The example bodies work as they are; the example ids do not ' +
            'exist: replace them with ids from your own responses (create a project first, then use its `id`). ' +
            'Users join a project by accepting an invitation: invite their id (the `id` of their `GET /v1/me`), then ' +
            'they accept it from `GET /v1/invitations`. An assignee must be a member.',
        },
        servers: [{ url: '/' }],
        tags: [
          { name: 'me', description: 'The signed-in user' },
          { name: 'projects', description: 'Projects' },
          { name: 'members', description: 'Project membership' },
          { name: 'invitations', description: 'Invitations to join a project: membership needs the invitee to accept' },
          { name: 'tasks', description: 'Tasks in a project' },
          { name: 'health', description: 'Liveness and readiness for load balancers' },
        ],
        components: {
          securitySchemes: {
            bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Cognito access token' },
          },
        },
        // Read by templates/environment: API Gateway's preflight and gateway responses allow the same headers.
        // (@fastify/swagger copies `x-` keys through; its types do not list them.)
        ...{ [CORS_EXTENSION]: CORS_POLICY },
      },
      refResolver: {
        buildLocalReference: (json, _baseUri, _fragment, index) =>
          typeof json.$id === 'string' ? json.$id : `def-${index}`,
      },
    });
    if (options.ui) {
      await app.register(swaggerUi, {
        routePrefix: '/docs',
        staticCSP: true,
        uiConfig: { deepLinking: true },
        baseDir: bundledUiAssets(),
      });
    }
  },
  { name: 'openapi' },
);
