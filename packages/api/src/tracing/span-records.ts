/**
 * Spans as data a structured clone carries to the export thread (otlp-export-thread.ts), and back
 * into what the OTLP protobuf serialiser reads there. The serving thread then only copies fields:
 * the serialiser's own code (and the objects it makes) never runs beside the server's, and the
 * clone itself is V8's C++ serializer, not JavaScript. Only the methods and class instances a clone
 * would lose are replaced (`spanContext()`, TraceState); shared resources and scopes stay shared
 * (a clone keeps identity within one message), which the serialiser groups by.
 * test/otlp-export-thread.test.ts checks the bytes equal the serialiser's on the original spans.
 */
import type { Attributes, HrTime, SpanContext, SpanKind, SpanStatus, TraceState } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace';

interface ContextRecord {
  readonly traceId: string;
  readonly spanId: string;
  readonly traceFlags: number;
  readonly isRemote: boolean | undefined;
  readonly traceState: string | undefined;
}

interface ResourceRecord {
  readonly attributes: Attributes;
  readonly schemaUrl: string | undefined;
}

interface LinkRecord {
  readonly context: ContextRecord;
  readonly attributes: Attributes | undefined;
  readonly droppedAttributesCount: number | undefined;
}

export interface SpanRecord {
  readonly context: ContextRecord;
  readonly parent: ContextRecord | undefined;
  readonly name: string;
  readonly kind: SpanKind;
  readonly startTime: HrTime;
  readonly endTime: HrTime;
  readonly duration: HrTime;
  readonly status: SpanStatus;
  readonly attributes: Attributes;
  readonly events: TimedEvent[];
  readonly links: LinkRecord[];
  readonly resource: ResourceRecord;
  readonly scope: InstrumentationScope;
  readonly droppedAttributesCount: number;
  readonly droppedEventsCount: number;
  readonly droppedLinksCount: number;
}

function contextRecord(context: SpanContext): ContextRecord {
  return {
    traceId: context.traceId,
    spanId: context.spanId,
    traceFlags: context.traceFlags,
    isRemote: context.isRemote,
    traceState: context.traceState?.serialize(),
  };
}

/** On the serving thread: the batch as plain data. */
export function toSpanRecords(spans: readonly ReadableSpan[]): SpanRecord[] {
  const resources = new Map<Resource, ResourceRecord>();
  return spans.map((span) => {
    let resource = resources.get(span.resource);
    if (resource === undefined) {
      resource = { attributes: span.resource.attributes, schemaUrl: span.resource.schemaUrl };
      resources.set(span.resource, resource);
    }
    return {
      context: contextRecord(span.spanContext()),
      parent: span.parentSpanContext === undefined ? undefined : contextRecord(span.parentSpanContext),
      name: span.name,
      kind: span.kind,
      startTime: span.startTime,
      endTime: span.endTime,
      duration: span.duration,
      status: span.status,
      attributes: span.attributes,
      events: span.events,
      links: span.links.map((link) => ({
        context: contextRecord(link.context),
        attributes: link.attributes,
        droppedAttributesCount: link.droppedAttributesCount,
      })),
      resource,
      // The tracer's own object, shared by its spans: the clone keeps it shared.
      scope: span.instrumentationScope,
      droppedAttributesCount: span.droppedAttributesCount,
      droppedEventsCount: span.droppedEventsCount,
      droppedLinksCount: span.droppedLinksCount,
    };
  });
}

function traceState(serialized: string | undefined): TraceState | undefined {
  if (serialized === undefined) return undefined;
  // The serialiser only calls serialize(); a real TraceState would parse what it then prints again.
  const unsupported = (): never => {
    throw new Error('a span record’s trace state is read-only');
  };
  return { serialize: () => serialized, get: () => undefined, set: unsupported, unset: unsupported };
}

function spanContext(record: ContextRecord): SpanContext {
  return { ...record, traceState: traceState(record.traceState) };
}

/** On the export thread: the records as the spans the serialiser takes. */
export function fromSpanRecords(records: readonly SpanRecord[]): ReadableSpan[] {
  return records.map((record) => {
    const context = spanContext(record.context);
    return {
      name: record.name,
      kind: record.kind,
      spanContext: () => context,
      parentSpanContext: record.parent === undefined ? undefined : spanContext(record.parent),
      startTime: record.startTime,
      endTime: record.endTime,
      duration: record.duration,
      ended: true,
      status: record.status,
      attributes: record.attributes,
      events: record.events,
      links: record.links.map((link) => ({
        context: spanContext(link.context),
        attributes: link.attributes,
        droppedAttributesCount: link.droppedAttributesCount,
      })),
      // The serialiser reads a resource's attributes and schema URL, nothing else.
      resource: record.resource as unknown as Resource,
      instrumentationScope: record.scope,
      droppedAttributesCount: record.droppedAttributesCount,
      droppedEventsCount: record.droppedEventsCount,
      droppedLinksCount: record.droppedLinksCount,
    };
  });
}
