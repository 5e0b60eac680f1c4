import type { APIResult } from './api-promise.ts';

/** One page of a cursor-paginated list. Pass `nextCursor` as `cursor` to fetch the next one. */
export interface Page<T> {
  items: T[];
  /** Null on the last page. */
  nextCursor: string | null;
  requestId: string | undefined;
}

type FetchPage<T> = (cursor: string | undefined) => Promise<APIResult<{ items: T[]; nextCursor: string | null }>>;

/**
 * What list calls return. Lazy: nothing is requested until you iterate or call `firstPage()`.
 *
 *   for await (const task of tb.tasks.list(projectId)) { ... }   // every item, page by page
 *   const page = await tb.tasks.list(projectId, { limit: 50 }).firstPage();
 */
export class PageIterator<T> implements AsyncIterable<T> {
  readonly #fetchPage: FetchPage<T>;
  readonly #cursor: string | undefined;

  constructor(fetchPage: FetchPage<T>, cursor: string | undefined) {
    this.#fetchPage = fetchPage;
    this.#cursor = cursor;
  }

  /** The first page (the one at `query.cursor` if you passed one). */
  async firstPage(): Promise<Page<T>> {
    const { data, requestId } = await this.#fetchPage(this.#cursor);
    return { items: data.items, nextCursor: data.nextCursor, requestId };
  }

  /** Every page in order, following `nextCursor` until it is null. */
  async *pages(): AsyncGenerator<Page<T>, void, undefined> {
    let cursor = this.#cursor;
    for (;;) {
      const page = await new PageIterator(this.#fetchPage, cursor).firstPage();
      yield page;
      // A cursor that does not advance would loop forever; stop rather than hammer the API.
      if (!page.nextCursor || page.nextCursor === cursor) return;
      cursor = page.nextCursor;
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for await (const page of this.pages()) yield* page.items;
  }
}
