import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { RateLimitConfig } from '../config.ts';
import { HttpProblem } from '../http/problem.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * onRequest hook for routes that need a signed-in caller: the rate limits, then authentication,
     * all before the body is read or validated.
     */
    authenticateWithinLimits: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
}

/** Failed authentications one client address may make per window when RATE_LIMIT_ANONYMOUS_MAX is unset. */
export const DEFAULT_ANONYMOUS_MAX = 60;

/** How long a verified token may pass an address's exhausted budget (it is verified again each time). */
const KNOWN_GOOD_TTL_MS = 10 * 60_000;

type Limiter = ReturnType<FastifyInstance['createRateLimit']>;
type LimitState = Extract<Awaited<ReturnType<Limiter>>, { isAllowed: false }>;

/**
 * Rate limits that run in onRequest, before the body is parsed and validated (so invalid requests
 * count, and a caller at its limit gets 429, never validation errors):
 * - per user (the verified token's `sub`): RATE_LIMIT_MAX requests per window;
 * - per client address (request.ip, which TRUST_PROXY decides): RATE_LIMIT_ANONYMOUS_MAX requests
 *   whose token did not verify. Once an address has spent that budget, its requests get 429 without
 *   their token being verified, until the window ends, except tokens that verified recently (so
 *   the other callers behind a shared address are not locked out).
 * A 429 writes no request log line; each key logs one warning per window when it reaches its limit,
 * so a flood costs neither a signature check nor a log line per request.
 */
export const rateLimitsPlugin = fp(
  async (app: FastifyInstance, options: RateLimitConfig) => {
    const windowSeconds = options.windowMs / 1000;
    const windowText = windowSeconds === 1 ? 'second' : `${windowSeconds} seconds`;
    const anonymousMax = options.anonymousMax ?? DEFAULT_ANONYMOUS_MAX;
    // global: false adds no hooks of its own; the limiters below are called from ours.
    await app.register(rateLimit, { global: false });
    const perUser: Limiter = app.createRateLimit({
      max: options.max,
      timeWindow: options.windowMs,
      keyGenerator: (request) => `user:${request.principal.userId}`,
    });
    // The default key generator: request.ip, IPv6 grouped by /64 so one host cannot rotate addresses.
    const perAddress: Limiter = app.createRateLimit({ max: anonymousMax, timeWindow: options.windowMs });

    function reject(request: FastifyRequest, state: LimitState, detail: string): HttpProblem {
      // This request's own child logger only: no per-request line for a rejected request.
      request.log.level = 'silent';
      app.metrics.rateLimited();
      return new HttpProblem('rateLimited', detail, {
        headers: {
          'retry-after': String(Math.max(1, state.ttlInSeconds)),
          'x-ratelimit-limit': String(state.max),
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': String(state.ttlInSeconds),
        },
      });
    }

    // Keys that logged their warning, until their window ends: one line per key per window.
    const warned = new Map<string, number>();
    function firstTimeThisWindow(state: LimitState): boolean {
      const now = Date.now();
      const until = warned.get(state.key);
      if (until !== undefined && until > now) return false;
      if (warned.size >= 10_000) warned.clear(); // bounded; at worst a key warns twice
      warned.set(state.key, now + state.ttl);
      return true;
    }

    // Signatures of tokens that verified recently. An address past its budget is often a shared one
    // (an office NAT, or every caller at once while TRUST_PROXY is unset behind a proxy): its callers
    // whose token already verified keep being served (their token is still fully verified, which
    // fast-jwt's cache makes cheap); only tokens never seen verify are refused unverified.
    const knownGood = new Map<string, number>();
    const signatureOf = (request: FastifyRequest): string | undefined => {
      const header = request.headers.authorization;
      const dot = header?.lastIndexOf('.') ?? -1;
      const signature = dot < 0 ? undefined : header?.slice(dot + 1);
      return signature !== undefined && signature.length >= 32 ? signature : undefined;
    };
    function rememberGoodToken(signature: string, now: number): void {
      if (knownGood.size >= 10_000) knownGood.clear(); // bounded; at worst a caller verifies once more
      knownGood.set(signature, now + KNOWN_GOOD_TTL_MS);
    }

    const addressLimited = (request: FastifyRequest, state: LimitState) =>
      reject(
        request,
        state,
        `Too many requests without a valid token from this address: limit of ${state.max} per ${windowText}`,
      );

    app.decorate('authenticateWithinLimits', async (request: FastifyRequest, reply: FastifyReply) => {
      // A token that verified recently passes whatever its address's budget says, so its requests
      // (nearly all of them) skip the read of that budget: one limiter call per request, not two.
      const signature = signatureOf(request);
      const goodUntil = signature === undefined ? undefined : knownGood.get(signature);
      if (goodUntil === undefined || goodUntil <= Date.now()) {
        const address = await perAddress(request, { increment: false });
        if (!address.isAllowed && address.remaining === 0) throw addressLimited(request, address);
      }
      try {
        await app.authenticate(request);
      } catch (error) {
        const spent = await perAddress(request);
        if (!spent.isAllowed && spent.remaining === 0 && firstTimeThisWindow(spent)) {
          request.log.warn(
            { rateLimit: 'address', key: spent.key, max: spent.max },
            'client address reached its limit of requests without a valid token',
          );
        }
        throw error;
      }
      // Renewed once half its time has gone rather than on every request: one map write per token
      // every five minutes, not one per request.
      const now = Date.now();
      if (signature !== undefined && (goodUntil === undefined || goodUntil - now < KNOWN_GOOD_TTL_MS / 2)) {
        rememberGoodToken(signature, now);
      }
      const user = await perUser(request);
      if (user.isAllowed) return;
      if (user.isExceeded) {
        if (firstTimeThisWindow(user)) {
          request.log.warn({ rateLimit: 'user', max: user.max }, 'user reached the rate limit');
        }
        throw reject(request, user, `Rate limit of ${user.max} requests per ${windowText} exceeded`);
      }
      reply.header('x-ratelimit-limit', user.max);
      reply.header('x-ratelimit-remaining', user.remaining);
      reply.header('x-ratelimit-reset', user.ttlInSeconds);
    });
  },
  { name: 'rate-limits', dependencies: ['auth', 'errors'] },
);
