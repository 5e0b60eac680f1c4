import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  context,
  propagation,
  trace,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

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
 * what a request span needs: one extract, one span, one context, and for a request the sampler did
 * not keep, no name, attribute or log work. Tracing's CPU cost is no lower with it in the bench
 * within its noise (docs/benchmarks.md, "Cost of watching").
 */
export interface RequestSpanOptions {
  readonly tracer: Tracer;
  /** Called with a sampled request's span, before any other hook of the request (log fields). */
  readonly onSampled?: (request: FastifyRequest, reply: FastifyReply, span: Span) => void;
}

const kSpan = Symbol('taskboard request span');

type WithSpan = FastifyRequest & { [kSpan]?: Span };

const spanOf = (request: FastifyRequest): Span | undefined => (request as WithSpan)[kSpan];

function finish(span: Span, reply: FastifyReply): void {
  if (!span.isRecording()) return;
  span.setAttribute('http.response.status_code', reply.statusCode);
  if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}

const plugin: FastifyPluginCallback<RequestSpanOptions> = (app, options, done) => {
  const { tracer, onSampled } = options;

  // Declared up front: a property added to every request later would change the shape of Fastify's
  // request objects and slow down every other hook that reads them.
  app.decorateRequest(kSpan, undefined);

  app.addHook('onRequest', (request, reply, next) => {
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    // Named and described only once the sampler kept it: nothing is built for the other requests.
    // (None of the samplers OTEL_TRACES_SAMPLER names reads a span's name or attributes.)
    const span = tracer.startSpan('HTTP request', { kind: SpanKind.SERVER }, parent);
    (request as WithSpan)[kSpan] = span;
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) !== 0) {
      const route = request.routeOptions.url;
      span.updateName(route === undefined ? request.method : `${request.method} ${route}`);
      span.setAttributes({
        'http.request.method': request.method,
        'url.path': request.url.split('?', 1)[0],
        ...(route === undefined ? {} : { 'http.route': route }),
      });
      onSampled?.(request, reply, span);
    }
    // Everything the request does from here on (hooks, handler, SQL, outbound calls) is under its span.
    context.with(trace.setSpan(parent, span), next);
  });

  app.addHook('onError', (request, _reply, error, next) => {
    spanOf(request)?.recordException(error);
    next();
  });

  app.addHook('onResponse', (request, reply, next) => {
    const span = spanOf(request);
    if (span !== undefined) finish(span, reply);
    next();
  });

  // A client that went away before the answer: the span still ends, as an error of the exchange.
  app.addHook('onRequestAbort', (request, next) => {
    const span = spanOf(request);
    if (span?.isRecording() === true) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'request aborted' });
      span.end();
    }
    next();
  });

  done();
};

/** Registered first by the app (tracing/plugin.ts), so its span covers every later hook and route. */
export const requestSpanPlugin = fp(plugin, { name: 'taskboard-request-span', fastify: '5.x' });
