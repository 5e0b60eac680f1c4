import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import type { DeferredCompilations } from './deferred-compilation.ts';

type SerializerFactory = ReturnType<typeof SerializerSelector>;

/**
 * Fastify's default serializer factory, compiling each distinct response schema once.
 * Every route repeats the same problem+json responses; compiling them per route cost
 * ~0.4 s of start-up and ~8 MB of memory (docs/benchmarks.md). Each compiles on its first use or in
 * `compilations`' warm-up (why: there).
 */
export function buildMemoisedSerializerFactory(compilations: DeferredCompilations): SerializerFactory {
  const selector = SerializerSelector();
  return (externalSchemas, options) => {
    const compile = selector(externalSchemas, options);
    const compiled = new Map<string, ReturnType<typeof compile>>();
    return (route) => {
      // The output depends on the schema alone, not on the route or status it serves.
      const key = JSON.stringify(route.schema);
      let serialize = compiled.get(key);
      if (serialize === undefined) {
        const real = compilations.defer(() => compile(route));
        serialize = (data: unknown) => real()(data);
        compiled.set(key, serialize);
      }
      return serialize;
    };
  };
}
