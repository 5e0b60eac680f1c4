export interface VerifiedTokensOptions {
  /** Most tokens remembered; the oldest entry goes first. */
  readonly max: number;
  /** Longest an entry is trusted without verifying again. */
  readonly ttlMs: number;
  /** The clock skew verification allows past `exp`, in milliseconds. */
  readonly clockToleranceMs: number;
}

interface Entry<Claims> {
  readonly claims: Claims;
  readonly untilMs: number;
}

/**
 * Claims of tokens that passed verification (signature, algorithm, issuer, exp/nbf), keyed by the
 * whole string the token came in (the auth plugin: the Authorization header), so a client reusing
 * its token skips decoding it twice, hashing it and asking for its key: ≈ 3 % of the api's CPU per
 * request in the bench profile (docs/benchmarks.md).
 * An entry never outlives the token's `exp` (plus the allowed skew) nor `ttlMs`, the same bound
 * fast-jwt's own verified-token cache had. Only what verification proves is cached: the checks on
 * the claims (client, token use, the admin group's freshness) still run on every request.
 */
export class VerifiedTokens<Claims extends object> {
  readonly #entries = new Map<string, Entry<Claims>>();
  readonly #options: VerifiedTokensOptions;

  constructor(options: VerifiedTokensOptions) {
    this.#options = options;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(token: string, nowMs: number): Claims | undefined {
    const entry = this.#entries.get(token);
    if (entry === undefined) return undefined;
    if (nowMs >= entry.untilMs) {
      this.#entries.delete(token);
      return undefined;
    }
    return entry.claims;
  }

  /** Remembers claims that were just verified; a token without a numeric `exp` is not remembered. */
  set(token: string, claims: Claims, nowMs: number): void {
    const exp = (claims as { readonly exp?: unknown }).exp;
    if (typeof exp !== 'number' || !Number.isFinite(exp)) return;
    const untilMs = Math.min(exp * 1000 + this.#options.clockToleranceMs, nowMs + this.#options.ttlMs);
    if (untilMs <= nowMs) return;
    this.#entries.delete(token);
    if (this.#entries.size >= this.#options.max) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    this.#entries.set(token, { claims, untilMs });
  }
}
