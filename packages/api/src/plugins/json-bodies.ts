import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * Bodies are JSON: a text/plain body is a 415, not a string that fails the schema. Many HTTP
 * clients set Content-Type: application/json on every request, so an empty body is no body for a
 * DELETE, and for a POST that takes none (accepting an invitation).
 */
export const jsonBodiesPlugin = fp(
  async (app: FastifyInstance) => {
    app.removeContentTypeParser('text/plain');
    const parseJson = app.getDefaultJsonParser('error', 'error');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      if (body === '' && (request.method === 'DELETE' || request.routeOptions.schema?.body === undefined)) {
        done(null, undefined);
      } else parseJson(request, body as string, done);
    });
  },
  { name: 'json-bodies' },
);
