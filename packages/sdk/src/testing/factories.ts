/**
 * Factories for the API's resources with valid defaults: UUIDv7-shaped ids, ISO 8601 timestamps,
 * enum defaults as the API applies them. Each returns a full resource typed from the generated
 * types, so a new required field in the contract breaks this file's build rather than your tests.
 *
 * Values are deterministic: the n-th object of a process gets the n-th id and timestamp, so
 * snapshots are stable. Call `resetFactories()` between tests for the same values in every test.
 */
import type { Invitation, Me, Member, Problem, Project, Task } from '../generated/types.ts';

/** 2026-01-01T00:00:00.000Z: every generated timestamp is this plus the sequence number in seconds. */
const EPOCH = Date.UTC(2026, 0, 1);
let sequence = 0;

/** Restarts ids and timestamps from the first value. */
export function resetFactories(): void {
  sequence = 0;
}

const next = (): number => ++sequence;
const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0').slice(-width);

/**
 * A UUIDv7-shaped id (RFC 9562 §5.7: 48-bit millisecond timestamp, version 7, variant 10xx) whose
 * timestamp and low bits come from the sequence, so ids sort by creation like the API's.
 */
export function fakeId(n: number = next()): string {
  const ms = hex(EPOCH + n, 12);
  return `${ms.slice(0, 8)}-${ms.slice(8)}-7${hex(n, 3)}-8${hex(n >>> 12, 3)}-${hex(n, 12)}`;
}

/** A Cognito-style user id (`sub`: a UUIDv4). */
export function fakeUserId(n: number = next()): string {
  return `${hex(n, 8)}-0000-4000-8000-${hex(n, 12)}`;
}

/** An ISO 8601 date-time, `n` seconds after 2026-01-01. */
export function fakeDateTime(n: number = next()): string {
  return new Date(EPOCH + n * 1000).toISOString();
}

export function projectFactory(overrides: Partial<Project> = {}): Project {
  const n = next();
  return {
    id: fakeId(n),
    name: `Project ${n}`,
    description: null,
    ownerId: fakeUserId(n),
    role: 'owner',
    version: 1,
    createdAt: fakeDateTime(n),
    updatedAt: fakeDateTime(n),
    ...overrides,
  };
}

export function taskFactory(overrides: Partial<Task> = {}): Task {
  const n = next();
  return {
    id: fakeId(n),
    projectId: fakeId(n + 1_000_000),
    title: `Task ${n}`,
    description: null,
    status: 'todo',
    priority: 'medium',
    assigneeId: null,
    dueDate: null,
    version: 1,
    createdAt: fakeDateTime(n),
    updatedAt: fakeDateTime(n),
    ...overrides,
  };
}

export function memberFactory(overrides: Partial<Member> = {}): Member {
  const n = next();
  return {
    userId: fakeUserId(n),
    role: 'member',
    email: `user${n}@example.com`,
    createdAt: fakeDateTime(n),
    ...overrides,
  };
}

/** A pending invitation: like the API's, it carries no email. */
export function invitationFactory(overrides: Partial<Invitation> = {}): Invitation {
  const n = next();
  return {
    id: fakeId(n),
    projectId: fakeId(n + 1_000_000),
    projectName: `Project ${n}`,
    inviteeId: fakeUserId(n),
    inviterId: fakeUserId(n + 1_000_000),
    createdAt: fakeDateTime(n),
    ...overrides,
  };
}

export function meFactory(overrides: Partial<Me> = {}): Me {
  const n = next();
  return { id: fakeUserId(n), email: `user${n}@example.com`, groups: [], createdAt: fakeDateTime(n), ...overrides };
}

/** One page of a list response as the API sends it (`items` plus `nextCursor`, null on the last page). */
export interface PageBody<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * A list response: `pageFactory([taskFactory(), taskFactory()])`, or `pageFactory(taskFactory, 3)`
 * for three made by the factory. Defaults to the last page (`nextCursor: null`).
 */
export function pageFactory<T>(items: T[], overrides?: Partial<PageBody<T>>): PageBody<T>;
export function pageFactory<T>(factory: () => T, count: number, overrides?: Partial<PageBody<T>>): PageBody<T>;
export function pageFactory<T>(
  source: T[] | (() => T),
  countOrOverrides?: number | Partial<PageBody<T>>,
  maybeOverrides: Partial<PageBody<T>> = {},
): PageBody<T> {
  const items = Array.isArray(source) ? source : Array.from({ length: Number(countOrOverrides) }, () => source());
  const overrides = typeof countOrOverrides === 'object' ? countOrOverrides : maybeOverrides;
  return { items, nextCursor: null, ...overrides };
}

/** The API's problem types and titles by status (packages/api/src/http/problem.ts). */
const PROBLEMS: Record<number, { type: string; title: string }> = {
  400: { type: '/problems/validation-error', title: 'Request validation failed' },
  401: { type: '/problems/unauthorized', title: 'Authentication required' },
  403: { type: '/problems/forbidden', title: 'Not allowed' },
  404: { type: '/problems/not-found', title: 'Resource not found' },
  409: { type: '/problems/conflict', title: 'Conflict' },
  412: { type: '/problems/precondition-failed', title: 'Precondition failed' },
  413: { type: '/problems/payload-too-large', title: 'Payload too large' },
  415: { type: '/problems/unsupported-media-type', title: 'Unsupported media type' },
  422: { type: '/problems/unprocessable', title: 'Unprocessable request' },
  429: { type: '/problems/rate-limited', title: 'Too many requests' },
  500: { type: '/problems/internal', title: 'Internal server error' },
  503: { type: '/problems/unavailable', title: 'Service unavailable' },
};

/** An RFC 9457 problem body like the API's for `status` (default 404), with a request id. */
export function problemFactory<S extends number = 404>(
  overrides: Partial<Problem> & { status?: S } = {},
): Problem & { status: S } {
  const status = (overrides.status ?? 404) as S;
  const known = PROBLEMS[status] ?? { type: '/problems/error', title: `Error ${status}` };
  const body: Problem = {
    ...known,
    status,
    detail: `${known.title} (mocked)`,
    requestId: `req-${hex(next(), 8)}`,
    ...overrides,
  };
  return { ...body, status };
}
