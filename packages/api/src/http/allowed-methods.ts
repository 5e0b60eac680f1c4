import FindMyWay from 'find-my-way';

type Method = FindMyWay.HTTPMethod;

/** Options of Fastify's router that change what matches; the mirror below must use the same ones. */
export const ROUTER_OPTIONS = { maxParamLength: 200 } as const;

/**
 * Which methods the app serves on a concrete path, so a known path asked with another method is a
 * 405 with `Allow` rather than a 404. Fastify's router matches one method at a time and does not say
 * whether the path exists under another; this keeps a second router of the same routes (same
 * library, same matching rules) that only answers that question.
 */
export class AllowedMethods {
  readonly #router = FindMyWay({ ...ROUTER_OPTIONS });
  readonly #methods = new Set<Method>();

  add(methods: string | readonly string[], url: string): void {
    for (const method of [methods].flat() as Method[]) {
      // The CORS plugin answers OPTIONS on every path: it says nothing about which paths exist.
      if (method === 'OPTIONS' || this.#router.hasRoute(method, url)) continue;
      this.#router.on(method, url, () => undefined);
      this.#methods.add(method);
    }
  }

  /** The methods that would match `path`; empty when no route has it. */
  of(path: string): Method[] {
    return [...this.#methods].filter((method) => this.#router.find(method, path) !== null).sort();
  }
}
