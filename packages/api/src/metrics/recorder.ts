import type { RejectionReason } from '../auth/token-rejected.ts';
import { Distribution } from './distribution.ts';
import { emfDocument, type DocumentMetadata } from './emf.ts';

/** What the plugins that count something call (`app.metrics`); no-ops when metrics are off. */
export interface MetricsHooks {
  authFailure(reason: RejectionReason): void;
  requestShed(): void;
  rateLimited(): void;
}

export const NO_METRICS: MetricsHooks = {
  authFailure: () => {},
  requestShed: () => {},
  rateLimited: () => {},
};

/** One operation's counters for the current interval; route hooks hold it directly (no lookup). */
export class OperationStats {
  requests = 0;
  errors4xx = 0;
  errors5xx = 0;
  readonly latency = new Distribution();

  record(status: number, elapsedMs: number): void {
    this.requests += 1;
    if (status >= 500) this.errors5xx += 1;
    else if (status >= 400) this.errors4xx += 1;
    this.latency.record(elapsedMs);
  }
}

/** What the process reports once per flush, read at flush time. */
export interface ProcessReadings {
  readonly eventLoopDelayP99Ms: number;
  readonly eventLoopUtilizationPercent: number;
  readonly jwksFetches: number;
}

/**
 * The interval's aggregates, turned into EMF documents by `takeDocuments`, which also starts the
 * next interval. Every recording method is a counter increment or a histogram bucket increment.
 */
export class MetricsRecorder implements MetricsHooks {
  readonly #service: string;
  readonly #logGroupName: string | undefined;
  readonly #operations = new Map<string, OperationStats>();
  readonly #problems = new Map<string, number>();
  readonly #authFailures = new Map<RejectionReason, number>();
  readonly #poolWait = new Distribution();
  #shed = 0;
  #rateLimited = 0;
  #poolInUse = 0;
  #poolWaiting = 0;

  /** @param logGroupName `_aws.LogGroupName` of every document (METRICS_EMF_LOG_GROUP). */
  constructor(service: string, logGroupName?: string) {
    this.#service = service;
    this.#logGroupName = logGroupName;
  }

  /** The counters of one operation (an OpenAPI operationId, or a route); one object per name. */
  operation(name: string): OperationStats {
    let stats = this.#operations.get(name);
    if (stats === undefined) {
      stats = new OperationStats();
      this.#operations.set(name, stats);
    }
    return stats;
  }

  /** A problem+json response, by its `type` (e.g. `/problems/precondition-failed`). */
  problem(type: string): void {
    this.#problems.set(type, (this.#problems.get(type) ?? 0) + 1);
  }

  authFailure(reason: RejectionReason): void {
    this.#authFailures.set(reason, (this.#authFailures.get(reason) ?? 0) + 1);
  }

  requestShed(): void {
    this.#shed += 1;
  }

  rateLimited(): void {
    this.#rateLimited += 1;
  }

  /** How long a query waited for a pooled (or new) database connection. */
  poolWait(ms: number): void {
    this.#poolWait.record(ms);
  }

  /** A sample of the pool (taken every second): the interval reports the highest. */
  samplePool(inUse: number, waiting: number): void {
    if (inUse > this.#poolInUse) this.#poolInUse = inUse;
    if (waiting > this.#poolWaiting) this.#poolWaiting = waiting;
  }

  /** The interval's EMF documents, one JSON text each; resets every aggregate. */
  takeDocuments(timestamp: number, readings: ProcessReadings): string[] {
    const service = this.#service;
    const metadata: DocumentMetadata = { timestamp, logGroupName: this.#logGroupName };
    const documents: string[] = [];
    for (const [operation, stats] of this.#operations) {
      if (stats.requests === 0) continue;
      documents.push(
        JSON.stringify(
          emfDocument(metadata, [['Service'], ['Service', 'Operation']], { Service: service, Operation: operation }, [
            ['Requests', 'Count', stats.requests],
            ['Errors4xx', 'Count', stats.errors4xx],
            ['Errors5xx', 'Count', stats.errors5xx],
            ['Latency', 'Milliseconds', stats.latency.takeSnapshot()],
          ]),
        ),
      );
      stats.requests = 0;
      stats.errors4xx = 0;
      stats.errors5xx = 0;
    }
    for (const [type, count] of this.#problems) {
      const problemType = type.slice(type.lastIndexOf('/') + 1);
      documents.push(
        JSON.stringify(
          emfDocument(metadata, [['Service', 'ProblemType']], { Service: service, ProblemType: problemType }, [
            ['Problems', 'Count', count],
          ]),
        ),
      );
    }
    this.#problems.clear();
    for (const [reason, count] of this.#authFailures) {
      documents.push(
        JSON.stringify(
          emfDocument(metadata, [['Service', 'Reason']], { Service: service, Reason: reason }, [
            ['AuthFailures', 'Count', count],
          ]),
        ),
      );
    }
    this.#authFailures.clear();
    documents.push(
      JSON.stringify(
        emfDocument(metadata, [['Service']], { Service: service }, [
          ['DbPoolInUse', 'Count', this.#poolInUse],
          ['DbPoolWaiting', 'Count', this.#poolWaiting],
          ['DbPoolWaitTime', 'Milliseconds', this.#poolWait.takeSnapshot()],
          ['EventLoopDelayP99', 'Milliseconds', readings.eventLoopDelayP99Ms],
          ['EventLoopUtilization', 'Percent', readings.eventLoopUtilizationPercent],
          ['RequestsShed', 'Count', this.#shed],
          ['RateLimited', 'Count', this.#rateLimited],
          ['JwksFetches', 'Count', readings.jwksFetches],
        ]),
      ),
    );
    this.#shed = 0;
    this.#rateLimited = 0;
    this.#poolInUse = 0;
    this.#poolWaiting = 0;
    return documents;
  }
}
