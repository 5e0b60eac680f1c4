import type { Principal } from '../auth/principal.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';

/**
 * Users are created from the verified token on their first call. Ids already written are
 * remembered in memory, so a steady stream of requests costs no extra write.
 */
export class UserDirectory {
  private readonly known = new Set<string>();
  private readonly prisma: PrismaClient;
  private readonly maxRemembered: number;

  constructor(prisma: PrismaClient, maxRemembered = 50_000) {
    this.prisma = prisma;
    this.maxRemembered = maxRemembered;
  }

  async ensure(principal: Principal): Promise<void> {
    if (this.known.has(principal.userId)) return;
    await this.prisma.user.createMany({
      data: [{ id: principal.userId, email: principal.email }],
      skipDuplicates: true,
    });
    if (principal.email !== null) {
      await this.prisma.user.updateMany({
        where: { id: principal.userId, email: null },
        data: { email: principal.email },
      });
    }
    if (this.known.size >= this.maxRemembered) this.known.clear();
    this.known.add(principal.userId);
  }

  /** Forget everything remembered, e.g. after the database was reset under a running app. */
  forget(): void {
    this.known.clear();
  }
}
