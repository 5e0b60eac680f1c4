import type { Principal } from '../auth/principal.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { Me } from '../schemas/resources.ts';

/** The signed-in user, as `GET /v1/me` shows them. */
export class MeService {
  private readonly prisma: PrismaClient;

  constructor(prisma: PrismaClient) {
    this.prisma = prisma;
  }

  /** The stored user, or what the token says when no row exists yet. */
  async get(principal: Principal): Promise<Me> {
    const user = await this.prisma.user.findUnique({ where: { id: principal.userId } });
    return {
      id: principal.userId,
      email: user?.email ?? principal.email,
      groups: [...principal.groups],
      createdAt: (user?.createdAt ?? new Date()).toISOString(),
    };
  }
}
