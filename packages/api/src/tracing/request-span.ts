import { SpanKind, SpanStatusCode, TraceFlags, context, trace, type Span, type Tracer } from '@opentelemetry/api';
import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { sdkDecides, type RequestSampler } from './front-door.ts';

/**
 * One SERVER span per request, continuing the caller's W3C trace context, with the attributes and
 * status the HTTP semantic conventions give a server span
 * (https://opentelemetry.io/docs/specs/semconv/http/http-spans/#http-server-span): named
 * `{method} {route}`, `http.request.method`, `url.path`, `http.route`, `http.response.status_code`,
 * status ERROR for a 5xx only (a 4xx is the client's: left unset), the error as an `exception` event.
 *
 * Our own rather than @fastify/otel (0.21.2), which this replaced: that plugin marks every thrown
 * 4xx problem as an ERROR span (X-Ray then counts refused requests as faults) and the SDK cannot set a
 * status back; it adds a route-level onSend and onError hook to every route and stores its span in
 * properties it reads through `request.routeOptions` several times per request. This does only
 * what a request span needs: one span and one context for a sampled request, nothing for the others.
 */
export interface RequestSpanOptions {
  readonly tracer: Tracer;
  /**
   * Decides, before the SDK, whether the request can be sampled at all (front-door.ts).
   * @default every request to the tracer's sampler
   */
  readonly sample?: RequestSampler;
  /** Called with a sampled request's span, before any other hook of the request (log fields). */
  readonly onSampled?: (request: FastifyRequest, reply: FastifyReply, span: Span) => void;
}

const kSpan = Symbol('taskboard request span');

type WithSpan = FastifyRequest & { [kSpan]?: Span };

/**
 * Ends a sampled request's span when its response is done: as the semantic conventions ask when the
 * answer was sent, as an error of the exchange when the client went away before it (the response
 * closed without finishing). Listeners on the response itself rather than onResponse and
 * onRequestAbort hooks: a Fastify hook runs for every request, and an onRequestAbort hook makes
 * Fastify add a `close` listener and a closure to every request, sampled or not
 * (fastify/lib/route.js); these cost only the requests whose spans are recorded.
 */
function endWithResponse(span: Span, reply: FastifyReply): void {
  const response = reply.raw;
  let ended = false;
  response.once('finish', () => {
    ended = true;
    span.setAttribute('http.response.status_code', reply.statusCode);
    if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
  response.once('close', () => {
    if (ended) return;
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'request aborted' });
    span.end();
  });
}

const plugin: FastifyPluginCallback<RequestSpanOptions> = (app, options, done) => {
  const { tracer, onSampled, sample = sdkDecides } = options;

  // Declared up front: a property added to every request later would change the shape of Fastify's
  // request objects and slow down every other hook that reads them.
  app.decorateRequest(kSpan, undefined);

  // The one hook every request runs. A request the sampler does not keep (most of them: the prod spec
  // samples 1 %) gets nothing: no span, ids, context, property, listener or log work; with no span
  // active, nothing below it records either (sampled-children.ts, db/hot-sql.ts).
  app.addHook('onRequest', (request, reply, next) => {
    const parent = sample(request.headers);
    if (parent === undefined) return next();
    const span = tracer.startSpan('HTTP request', { kind: SpanKind.SERVER }, parent);
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return next();
    // Named after the decision: none of the samplers OTEL_TRACES_SAMPLER names reads a span's name
    // or attributes.
    const route = request.routeOptions.url;
    span.updateName(route === undefined ? request.method : `${request.method} ${route}`);
    span.setAttributes({
      'http.request.method': request.method,
      'url.path': request.url.split('?', 1)[0],
      ...(route === undefined ? {} : { 'http.route': route }),
    });
    (request as WithSpan)[kSpan] = span;
    endWithResponse(span, reply);
    onSampled?.(request, reply, span);
    // Everything the request does from here on (hooks, handler, SQL, outbound calls) is under its span.
    context.with(trace.setSpan(parent, span), next);
  });

  // Runs only for a request that failed: no cost to the others.
  app.addHook('onError', (request, _reply, error, next) => {
    (request as WithSpan)[kSpan]?.recordException(error);
    next();
  });

  done();
};

/** Registered first by the app (tracing/plugin.ts), so its span covers every later hook and route. */
export const requestSpanPlugin = fp(plugin, { name: 'taskboard-request-span', fastify: '5.x' });
