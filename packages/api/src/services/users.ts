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

  /**
   * Records the caller on their first call (per process). The email comes from the token when it has
   * one (ID tokens), else from `lookupEmail` (Cognito's GetUser for access tokens), asked only while
   * the stored email is unknown; a failed lookup leaves it null and never fails the request.
   */
  async ensure(principal: Principal, lookupEmail?: () => Promise<string | null>): Promise<void> {
    if (this.known.has(principal.userId)) return;
    const stored = await this.prisma.user.findUnique({ where: { id: principal.userId }, select: { email: true } });
    if (stored === null || stored.email === null) {
      const email = principal.email ?? (await lookupEmail?.().catch(() => null)) ?? null;
      if (stored === null) {
        await this.prisma.user.createMany({ data: [{ id: principal.userId, email }], skipDuplicates: true });
      }
      if (email !== null) {
        await this.prisma.user.updateMany({ where: { id: principal.userId, email: null }, data: { email } });
      }
    }
    if (this.known.size >= this.maxRemembered) this.known.clear();
    this.known.add(principal.userId);
  }

  /** Forget everything remembered, e.g. after the database was reset under a running app. */
  forget(): void {
    this.known.clear();
  }
}
