/**
 * An entity tag as the API sends it in `ETag`: the resource's version, quoted (`"3"`). The quotes
 * are part of the tag, so a bare `'3'` is not one.
 */
export type ETag = `"${number}"`;

/** A successful call with its response metadata. */
export interface APIResult<T> {
  data: T;
  /** The `ETag` response header (e.g. `"3"`), to pass back as `ifMatch`. Undefined if absent. */
  etag: ETag | undefined;
  /** The `x-request-id` response header. */
  requestId: string | undefined;
  status: number;
  headers: Headers;
}

/**
 * What every non-list call returns: await it for the data, or call `withResponse()` for the data
 * plus `etag`, `requestId`, status and headers. The request starts immediately (like `fetch`).
 */
export class APIPromise<T> implements Promise<T> {
  readonly #result: Promise<APIResult<T>>;

  constructor(result: Promise<APIResult<T>>) {
    this.#result = result;
  }

  get [Symbol.toStringTag](): string {
    return 'APIPromise';
  }

  withResponse(): Promise<APIResult<T>> {
    return this.#result;
  }

  then<A = T, B = never>(
    onfulfilled?: ((value: T) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.#result.then((r) => r.data).then(onfulfilled, onrejected);
  }

  catch<B = never>(onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<T | B> {
    return this.then(undefined, onrejected);
  }

  finally(onfinally?: (() => void) | null): Promise<T> {
    return this.then().finally(onfinally);
  }
}
