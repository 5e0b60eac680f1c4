import fastifyJwt from '@fastify/jwt';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { JwksKeys, JwksUnavailableError } from '../auth/jwks-keys.ts';
import { rejectionFromJwtError } from '../auth/jwt-errors.ts';
import { VerifiedTokens } from '../auth/verified-tokens.ts';
import { ADMIN_GROUP, type Principal } from '../auth/principal.ts';
import { TokenRejected } from '../auth/token-rejected.ts';
import type { AuthConfig } from '../config.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** onRequest hook for routes that need a signed-in caller. */
    authenticate: (request: FastifyRequest) => Promise<void>;
    jwksKeys: JwksKeys;
  }
  interface FastifyRequest {
    principal: Principal;
  }
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    user: TokenClaims;
  }
}

interface TokenClaims {
  sub?: unknown;
  iss?: unknown;
  token_use?: unknown;
  client_id?: unknown;
  aud?: unknown;
  email?: unknown;
  email_verified?: unknown;
  iat?: unknown;
  'cognito:groups'?: unknown;
}

interface DecodedToken {
  header: { alg?: unknown; kid?: unknown };
  payload: TokenClaims;
}

/** 8 KiB covers any Cognito token with room for many groups; larger ones are not parsed. */
const MAX_TOKEN_LENGTH = 8192;

/** ADMIN_MAX_TOKEN_AGE_SECONDS when not configured (programmatic configs, tests). */
export const DEFAULT_ADMIN_MAX_TOKEN_AGE_SECONDS = 300;

/**
 * Seconds since the token was issued, or undefined without a numeric `iat`. Cognito puts the group
 * list in a token when it issues it (sign-in or refresh), so this is how old that list may be.
 */
function tokenAgeSeconds(claims: TokenClaims, nowSeconds: number): number | undefined {
  return typeof claims.iat === 'number' && Number.isFinite(claims.iat) ? nowSeconds - claims.iat : undefined;
}

function checkClaims(claims: TokenClaims, auth: AuthConfig, nowSeconds: number): Principal {
  const use = claims.token_use;
  if (use !== 'access' && use !== 'id') throw new TokenRejected('token-use-missing');
  if (!auth.tokenUse.includes(use)) throw new TokenRejected('token-use-not-accepted');
  const client = use === 'access' ? claims.client_id : claims.aud;
  if (typeof client !== 'string' || !auth.clientIds.includes(client)) throw new TokenRejected('client-not-accepted');
  if (typeof claims.sub !== 'string' || claims.sub.length === 0 || claims.sub.length > 128) {
    throw new TokenRejected('sub-invalid');
  }
  const rawGroups = claims['cognito:groups'];
  const groups = Array.isArray(rawGroups)
    ? rawGroups.filter((group): group is string => typeof group === 'string')
    : [];
  // Admin rights must not outlive removal from the group by more than a few minutes, while a
  // token lives up to its `exp` (15-60 minutes): honour the admin group only from recently
  // issued tokens. An older token still works, with a member's rights; refreshing it restores them.
  const age = tokenAgeSeconds(claims, nowSeconds);
  const maxAdminAge = auth.adminMaxTokenAgeSeconds ?? DEFAULT_ADMIN_MAX_TOKEN_AGE_SECONDS;
  return {
    userId: claims.sub,
    issuer: String(claims.iss), // checked against the allow-list before the signature was
    // ID tokens carry the email; an address nobody proved they own is not taken.
    email: typeof claims.email === 'string' && claims.email_verified === true ? claims.email : null,
    groups,
    isAdmin: groups.includes(ADMIN_GROUP) && age !== undefined && age <= maxAdminAge + auth.clockSkewSeconds,
  };
}

/**
 * Verifies Amazon Cognito JWTs with @fastify/jwt: RS256 only; the issuer must be on the
 * configured allow-list before any key is looked up; keys come from that issuer's JWKS;
 * exp/nbf with a small skew; then token_use and the app client are checked.
 */
export const authPlugin = fp(
  async (app: FastifyInstance, options: { auth: AuthConfig }) => {
    const { auth } = options;
    const keys = new JwksKeys({
      issuers: auth.issuers,
      refetchIntervalMs: auth.jwksRefetchIntervalMs,
      cacheTtlMs: auth.jwksCacheTtlMs,
    });
    app.decorate('jwksKeys', keys);
    // A token verified once is not decoded and verified again until it expires (issue 17: CPU).
    const verified = new VerifiedTokens<TokenClaims>({
      max: 10_000,
      ttlMs: 600_000,
      clockToleranceMs: auth.clockSkewSeconds * 1000,
    });

    await app.register(fastifyJwt, {
      decode: { complete: true },
      secret: async (_request: FastifyRequest, token: unknown) => {
        const { header, payload } = token as DecodedToken;
        if (header.alg !== 'RS256') throw new TokenRejected('algorithm-not-allowed');
        if (typeof payload.iss !== 'string' || !auth.issuers.includes(payload.iss)) {
          throw new TokenRejected('issuer-not-trusted');
        }
        if (typeof header.kid !== 'string') throw new TokenRejected('kid-missing');
        return await keys.publicKey(payload.iss, header.kid, 'RS256').catch((error: unknown) => {
          throw new TokenRejected(error instanceof JwksUnavailableError ? 'jwks-unavailable' : 'unknown-key', {
            cause: error,
          });
        });
      },
      verify: {
        algorithms: ['RS256'],
        allowedIss: [...auth.issuers],
        clockTolerance: auth.clockSkewSeconds * 1000,
        requiredClaims: ['exp', 'iss', 'sub'],
        // fast-jwt caches verified tokens by their signature, so a client reusing its
        // token skips the RSA verify; expiry is still enforced on cached entries.
        cache: 10_000,
        cacheTTL: 600_000,
      },
    });

    app.decorate('authenticate', async (request: FastifyRequest) => {
      try {
        request.principal = await verifyRequest(request);
        if (request.principal.groups.includes(ADMIN_GROUP) && !request.principal.isAdmin) {
          request.log.info('admin group not applied: the token is older than ADMIN_MAX_TOKEN_AGE_SECONDS');
        }
      } catch (error) {
        // A TokenRejected comes from our own checks, the secret callback's included (@fastify/jwt
        // passes its errors through unchanged); anything else is the JWT library's own error.
        const rejection = error instanceof TokenRejected ? error : rejectionFromJwtError(error);
        request.log.info({ reason: rejection.reason }, 'authentication failed');
        app.metrics.authFailure(rejection.reason);
        throw rejection;
      }
    });

    async function verifyRequest(request: FastifyRequest): Promise<Principal> {
      const header = request.headers.authorization;
      if (header === undefined) throw new TokenRejected('no-token');
      const now = Date.now();
      // Remembered by the whole header: a header seen before passed the checks below as it is, so
      // a repeat skips the pattern test over it, the slice and a hash of the sliced token.
      let claims = verified.get(header, now);
      if (claims === undefined) {
        if (header.length > MAX_TOKEN_LENGTH + 7) throw new TokenRejected('token-too-large');
        // The scheme is case-insensitive (RFC 9110 §11.1); the token is base64url.
        if (!/^Bearer [A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/i.test(header))
          throw new TokenRejected('malformed-header');
        claims = await request.jwtVerify<TokenClaims>();
        verified.set(header, claims, now);
      }
      return checkClaims(claims, auth, Math.floor(now / 1000));
    }
  },
  { name: 'auth', dependencies: ['metrics'] },
);
