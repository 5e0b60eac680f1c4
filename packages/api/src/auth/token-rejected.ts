import { HttpProblem } from '../http/problem.ts';

/**
 * Why a bearer token was refused: a closed set, so the log line names the check that failed and a
 * test can assert it. The caller gets the same 401 whatever the reason: telling them which check
 * failed helps an attacker more than a client.
 */
export type RejectionReason =
  /** No Authorization header. */
  | 'no-token'
  /** Not `Bearer <header>.<payload>.<signature>` in base64url. */
  | 'malformed-header'
  /** Longer than any Cognito token; not parsed. */
  | 'token-too-large'
  /** The segments do not decode to a JSON header and a JSON object payload. */
  | 'malformed-token'
  /** Anything but RS256 (Cognito signs with RS256 only). */
  | 'algorithm-not-allowed'
  /** `iss` is not one of the configured issuers (nothing is fetched for it). */
  | 'issuer-not-trusted'
  /** The header names no key (`kid`). */
  | 'kid-missing'
  /** The trusted issuer's JWKS has no key with this `kid`. */
  | 'unknown-key'
  /** The trusted issuer's JWKS could not be fetched (network, timeout, non-2xx answer, not JSON). */
  | 'jwks-unavailable'
  /** The header lists a critical extension (`crit`) this api does not understand (RFC 7515 §4.1.11). */
  | 'unsupported-crit-header'
  | 'signature-missing'
  | 'bad-signature'
  /** `exp` has passed (beyond the allowed clock skew). */
  | 'expired'
  /** `nbf` is still in the future. */
  | 'not-yet-valid'
  /** `exp`, `iss` or `sub` is absent. */
  | 'claim-missing'
  /** A registered claim has the wrong type (e.g. `exp` as a string). */
  | 'claim-invalid'
  | 'token-use-missing'
  /** `token_use` is one this api is not configured to accept (AUTH_TOKEN_USE). */
  | 'token-use-not-accepted'
  /** The app client (`client_id` of access tokens, `aud` of ID tokens) is not in AUTH_CLIENT_IDS. */
  | 'client-not-accepted'
  /** `sub` is not a non-empty string of at most 128 characters. */
  | 'sub-invalid'
  /** The JWT library refused the token for a reason not listed here; `cause` has its error. */
  | 'unrecognised';

/** A refused token: answered as the 401 problem, logged with its reason; `cause` keeps the error behind it. */
export class TokenRejected extends HttpProblem {
  override name = 'TokenRejected';
  readonly reason: RejectionReason;

  constructor(reason: RejectionReason, options: { cause?: unknown } = {}) {
    super('unauthorized', 'The access token is missing or invalid', { cause: options.cause });
    this.reason = reason;
  }
}
