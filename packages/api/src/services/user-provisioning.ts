import type { Principal } from '../auth/principal.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';

export interface UserProvisionerOptions {
  /** Users remembered per process before the memory is cleared. @default 50_000 */
  readonly maxRemembered?: number;
  /**
   * How old a stored email may get before Cognito is asked again: a user who changes their address
   * (or loses its verification) shows the new state within this time. @default 24 hours
   */
  readonly refreshAfterMs?: number;
}

/** When this process last looked at a user, and the email it then stored. */
interface Remembered {
  readonly checkedAt: number;
  readonly email: string | null;
}

const DAY_MS = 86_400_000;

/**
 * Users are created from the verified token on their first call, with their verified email. The
 * row's `updatedAt` is when the email was last confirmed with Cognito: past `refreshAfterMs` the
 * next call asks again. Users seen recently are remembered in memory, so a steady stream of
 * requests costs no extra query.
 */
export class UserProvisioner {
  private readonly remembered = new Map<string, Remembered>();
  private readonly prisma: PrismaClient;
  private readonly maxRemembered: number;
  private readonly refreshAfterMs: number;

  constructor(prisma: PrismaClient, options: UserProvisionerOptions = {}) {
    this.prisma = prisma;
    this.maxRemembered = options.maxRemembered ?? 50_000;
    this.refreshAfterMs = options.refreshAfterMs ?? DAY_MS;
  }

  /**
   * Records the caller and keeps their email current. A verified email in the token (ID tokens;
   * `principal.email` is only set when `email_verified` is true) is taken as it is. Otherwise
   * `lookupEmail` (Cognito's GetUser for access tokens, resolving only a verified email, else null)
   * is asked while the stored email is unknown or older than `refreshAfterMs`. A failed lookup keeps
   * what is stored and never fails the request; it is retried by the next process or after the
   * refresh interval.
   */
  async ensure(principal: Principal, lookupEmail?: () => Promise<string | null>): Promise<void> {
    const now = Date.now();
    const seen = this.remembered.get(principal.userId);
    const tokenEmailIsNew = principal.email !== null && principal.email !== seen?.email;
    if (seen !== undefined && now - seen.checkedAt < this.refreshAfterMs && !tokenEmailIsNew) return;

    const stored = await this.prisma.user.findUnique({
      where: { id: principal.userId },
      select: { email: true, updatedAt: true },
    });
    const stale = stored === null || stored.email === null || now - stored.updatedAt.getTime() >= this.refreshAfterMs;
    let email = stored?.email ?? null;
    let confirmed = false;
    if (principal.email !== null) {
      email = principal.email;
      confirmed = stale;
    } else if (stale && lookupEmail !== undefined) {
      try {
        email = await lookupEmail();
        confirmed = true;
      } catch {
        // Keep what is stored; `updatedAt` stays old, so the lookup is tried again.
      }
    }
    if (stored === null) {
      await this.prisma.user.createMany({ data: [{ id: principal.userId, email }], skipDuplicates: true });
    } else if (email !== stored.email || confirmed) {
      // Also when unchanged: `updatedAt` records that Cognito confirmed it just now.
      await this.prisma.user.update({ where: { id: principal.userId }, data: { email } });
    }
    if (this.remembered.size >= this.maxRemembered) this.remembered.clear();
    this.remembered.set(principal.userId, { checkedAt: now, email });
  }
}
