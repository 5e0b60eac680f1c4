import buildGetJwks from 'get-jwks';

export interface JwksKeysOptions {
  /** Exact issuer URLs we trust; nothing else is ever fetched. */
  readonly issuers: readonly string[];
  /** Minimum time between two fetches for one issuer caused by unknown key ids. */
  readonly refetchIntervalMs: number;
  readonly cacheTtlMs: number;
  readonly fetchTimeoutMs?: number;
}

/** The issuer's JWKS, fetched (or fetched recently enough), has no key with this id. */
export class UnknownKeyError extends Error {
  override name = 'UnknownKeyError';
}

/**
 * The issuer's JWKS could not be fetched: network error, timeout, a non-2xx answer or a body that is
 * not JSON. Thrown again, without a new fetch, until the refetch interval allows one.
 */
export class JwksUnavailableError extends Error {
  override name = 'JwksUnavailableError';
}

interface Jwk {
  kid?: string;
  alg?: string;
  kty?: string;
  use?: string;
}

/**
 * Public keys of the trusted issuers, from `<issuer>/.well-known/jwks.json`.
 * get-jwks does the caching and JWK→PEM conversion; this class decides when a fetch may
 * happen. The issuer comes from our allow-list, never from the token, and a flood of
 * tokens with made-up key ids costs at most one fetch per issuer per interval. One fetch
 * primes every key in the set, so Cognito's two keys (id and access) cost one request.
 */
export class JwksKeys {
  private readonly jwks: ReturnType<typeof buildGetJwks>;
  /** get-jwks types its cache narrowly; at runtime it is an lru-cache with has/set. */
  private readonly cache: { has(key: string): boolean; set(key: string, value: unknown): void };
  private readonly issuers: Set<string>;
  private readonly lastFetch = new Map<string, number>();
  private readonly inFlight = new Map<string, Promise<void>>();
  /** Why the last fetch per issuer failed; removed by the next successful one. */
  private readonly lastFailure = new Map<string, unknown>();
  /** PEMs already converted: get-jwks converts JWK→PEM on every call, a measurable cost per request. */
  private readonly pems = new Map<string, string>();
  private readonly options: JwksKeysOptions;
  /** Counts JWKS documents fetched; read by tests and metrics. */
  fetchCount = 0;

  constructor(options: JwksKeysOptions) {
    this.options = options;
    this.issuers = new Set(options.issuers);
    this.jwks = buildGetJwks({
      max: 100,
      ttl: options.cacheTtlMs,
      issuersWhitelist: [...options.issuers],
      providerDiscovery: false,
    });
    this.cache = this.jwks.cache as unknown as JwksKeys['cache'];
  }

  async publicKey(issuer: string, kid: string, alg: string): Promise<string> {
    if (!this.issuers.has(issuer)) throw new UnknownKeyError('issuer is not trusted');
    const domain = `${issuer}/`;
    const cacheKey = this.jwks.generateCacheKey(alg, kid, domain);
    if (!this.cache.has(cacheKey)) {
      // Expired from the TTL cache (or never seen): the memoised PEM goes with it.
      this.pems.delete(cacheKey);
      await this.refresh(issuer);
      if (!this.cache.has(cacheKey)) {
        // No fetch was allowed this time: if the last one failed, the key may well exist.
        const failure = this.lastFailure.get(issuer);
        if (failure !== undefined) throw new JwksUnavailableError('the last JWKS fetch failed', { cause: failure });
        throw new UnknownKeyError(`no key ${kid} for this issuer`);
      }
    }
    const known = this.pems.get(cacheKey);
    if (known !== undefined) return known;
    const pem = await this.jwks.getPublicKey({ domain, alg, kid });
    this.pems.set(cacheKey, pem);
    return pem;
  }

  private async refresh(issuer: string): Promise<void> {
    const running = this.inFlight.get(issuer);
    if (running) return await running;
    const last = this.lastFetch.get(issuer);
    if (last !== undefined && Date.now() - last < this.options.refetchIntervalMs) return;
    this.lastFetch.set(issuer, Date.now());
    const fetching = this.fetchKeys(issuer).finally(() => this.inFlight.delete(issuer));
    this.inFlight.set(issuer, fetching);
    await fetching;
  }

  private async fetchKeys(issuer: string): Promise<void> {
    this.fetchCount += 1;
    let body: { keys?: Jwk[] };
    try {
      const response = await fetch(`${issuer}/.well-known/jwks.json`, {
        signal: AbortSignal.timeout(this.options.fetchTimeoutMs ?? 5_000),
        redirect: 'error',
      });
      if (!response.ok) throw new Error(`JWKS request failed with ${response.status}`);
      body = (await response.json()) as { keys?: Jwk[] };
    } catch (error) {
      this.lastFailure.set(issuer, error);
      throw new JwksUnavailableError('the JWKS could not be fetched', { cause: error });
    }
    this.lastFailure.delete(issuer);
    const domain = `${issuer}/`;
    for (const key of body.keys ?? []) {
      if (key.kty !== 'RSA' || typeof key.kid !== 'string' || (key.use !== undefined && key.use !== 'sig')) continue;
      const alg = key.alg ?? 'RS256';
      this.cache.set(this.jwks.generateCacheKey(alg, key.kid, domain), Promise.resolve(key));
    }
  }
}
