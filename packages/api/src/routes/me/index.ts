import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { commonErrors, refTo } from '../../schemas/common.ts';
import { MeSchema } from '../../schemas/resources.ts';
import { secured } from '../route-helpers.ts';

export async function meRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { me } = app.services;
  app.get(
    '/me',
    {
      schema: {
        operationId: 'getMe',
        tags: ['me'],
        summary: 'The signed-in user',
        security: secured,
        response: { 200: refTo(MeSchema), ...commonErrors },
      },
    },
    async (request) => me.get(request.principal),
  );
}
