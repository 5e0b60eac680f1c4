import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { commonErrors } from '../../schemas/common.ts';
import { secured } from '../route-helpers.ts';

export async function meRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/me',
    {
      schema: {
        operationId: 'getMe',
        tags: ['me'],
        summary: 'The signed-in user',
        security: secured,
        response: { 200: Type.Ref('Me'), ...commonErrors },
      },
    },
    async (request) => {
      const { principal } = request;
      const user = await app.prisma.user.findUnique({ where: { id: principal.userId } });
      return {
        id: principal.userId,
        email: user?.email ?? principal.email,
        groups: [...principal.groups],
        createdAt: (user?.createdAt ?? new Date()).toISOString(),
      };
    },
  );
}
