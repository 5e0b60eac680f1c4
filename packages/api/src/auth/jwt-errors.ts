import { TokenRejected, type RejectionReason } from './token-rejected.ts';

/** Error codes of @fastify/jwt 10 and fast-jwt 6 that name one reason on their own. */
const REASON_BY_CODE = new Map<string, RejectionReason>([
  ['FST_JWT_AUTHORIZATION_TOKEN_EXPIRED', 'expired'],
  ['FAST_JWT_INACTIVE', 'not-yet-valid'],
  ['FAST_JWT_MISSING_SIGNATURE', 'signature-missing'],
  ['FAST_JWT_INVALID_PAYLOAD', 'malformed-token'],
  ['FAST_JWT_INVALID_CLAIM_TYPE', 'claim-invalid'],
  ['FAST_JWT_INVALID_CRIT_HEADER', 'unsupported-crit-header'],
]);

/**
 * @fastify/jwt folds fast-jwt's malformed-token, invalid-signature, missing-claim and claim-value
 * errors into one code, FST_JWT_AUTHORIZATION_TOKEN_INVALID, and keeps only fast-jwt's message
 * ("Authorization token is invalid: The token signature is invalid."). These patterns tell them
 * apart again; test/auth.test.ts asserts each, so an upgrade that rewords them fails there.
 */
const REASON_BY_FOLDED_MESSAGE: readonly (readonly [RegExp, RejectionReason])[] = [
  [/signature is invalid/, 'bad-signature'],
  [/claim is required/, 'claim-missing'],
  [/claim must be/, 'claim-invalid'],
  [/not a valid|malformed/, 'malformed-token'],
];

/** What an error from `request.jwtVerify()` means, as a rejection carrying that error as its cause. */
export function rejectionFromJwtError(error: unknown): TokenRejected {
  const { code, message } = error as { code?: unknown; message?: unknown };
  const folded =
    code === 'FST_JWT_AUTHORIZATION_TOKEN_INVALID'
      ? REASON_BY_FOLDED_MESSAGE.find(([pattern]) => pattern.test(String(message)))?.[1]
      : undefined;
  return new TokenRejected(REASON_BY_CODE.get(String(code)) ?? folded ?? 'unrecognised', { cause: error });
}
