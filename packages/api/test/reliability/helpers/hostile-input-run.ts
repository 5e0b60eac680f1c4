import type { Test } from 'tap';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { authHeader, buildTestApp, json } from '../../helpers/stack.ts';
import { fillPath, loadOperations, type Operation } from './openapi-operations.ts';
import {
  hostileBody,
  hostileContentType,
  hostileQueryValue,
  hostileString,
  rawHostileQuery,
  validValue,
} from './hostile-values.ts';

export interface HostileInputOptions {
  /** Generated requests per operation. */
  readonly runsPerOperation: number;
  /** Fixed, so a failure is replayed exactly (fast-check prints the seed and path). */
  readonly seed: number;
}

interface Figures {
  requests: number;
  byStatus: Map<number, number>;
  refusedByClient: number;
  writes: number;
}

interface Model {
  projects: Map<string, { name: unknown; description: unknown }>;
  tasks: Map<string, { projectId: string; title: unknown; description: unknown }>;
  members: Set<string>;
  /** The user every generated request is sent as (alice): accepting an invitation makes them a member. */
  caller: string;
}

const BODY_LIMIT = 16_384;

/**
 * Generates requests for every operation of openapi.json (path, query, headers and body, valid
 * and hostile), sends them as alice, and checks each answer: never a 5xx, every 4xx a
 * problem+json whose status matches. Afterwards the database must hold exactly what the 2xx
 * answers say was written: the model below is updated from 2xx responses only.
 */
export async function runHostileInput(t: Test, options: HostileInputOptions): Promise<void> {
  const app = await buildTestApp(t, { bodyLimitBytes: BODY_LIMIT });
  const alice = await authHeader('alice');
  const bob = await authHeader('bob');
  const model: Model = { projects: new Map(), tasks: new Map(), members: new Set(), caller: '' };

  // Rows the generated requests can aim at: alice's own, and bob's (another tenant).
  const seedProject = async (headers: Record<string, string>, name: string) => {
    const project = json(await app.inject({ method: 'POST', url: '/v1/projects', headers, payload: { name } }));
    model.projects.set(String(project.id), { name, description: null });
    model.members.add(`${String(project.id)}|${String(project.ownerId)}`);
    const task = json(
      await app.inject({
        method: 'POST',
        url: `/v1/projects/${String(project.id)}/tasks`,
        headers,
        payload: { title: name },
      }),
    );
    model.tasks.set(String(task.id), { projectId: String(project.id), title: name, description: null });
    return { projectId: String(project.id), taskId: String(task.id), userId: String(project.ownerId) };
  };
  const theirs = await seedProject(bob, 'bob seed');
  const invite = async (headers: Record<string, string>, projectId: string, userId: string) =>
    String(
      json(
        await app.inject({
          method: 'POST',
          url: `/v1/projects/${projectId}/invitations`,
          headers,
          payload: { userId },
        }),
      ).id,
    );

  const figures: Figures = {
    requests: 0,
    byStatus: new Map(),
    refusedByClient: 0,
    writes: 0,
  };
  for (const operation of loadOperations()) {
    // Fresh rows per operation, so a generated DELETE early on does not leave the later
    // operations nothing valid to aim at. Bob is a member, so member removal can succeed too.
    const mine = await seedProject(alice, `alice seed for ${operation.operationId}`);
    model.caller = mine.userId;
    const accepted = await app.inject({
      method: 'POST',
      url: `/v1/invitations/${await invite(alice, mine.projectId, theirs.userId)}/accept`,
      headers: bob,
    });
    if (accepted.statusCode === 200) model.members.add(`${mine.projectId}|${theirs.userId}`);
    // Invitations the generated requests can aim at: one to alice (hers to accept or decline),
    // one from alice to an id nobody has (hers to revoke).
    const inviting = await seedProject(bob, `bob invites alice for ${operation.operationId}`);
    const toAlice = await invite(bob, inviting.projectId, mine.userId);
    const fromAlice = await invite(alice, mine.projectId, `nobody-${operation.operationId}`);
    const ids = {
      projectId: [mine.projectId, theirs.projectId],
      taskId: [mine.taskId, theirs.taskId],
      userId: [theirs.userId, mine.userId],
      invitationId: [toAlice, fromAlice],
    };
    const outcome = await fc.check(
      fc.asyncProperty(requestFor(operation, ids), async (request) => {
        await sendAndCheck(app, operation, request, alice, model, figures);
      }),
      { seed: options.seed, numRuns: options.runsPerOperation, endOnFailure: true },
    );
    // The counterexample can be megabytes (huge strings): report the failure, the seed and the path only.
    t.notOk(
      outcome.failed,
      `${operation.operationId}: every answer holds` +
        (outcome.failed
          ? ` — failed: ${String((outcome.errorInstance as Error | null)?.message).slice(0, 500)} (seed ${outcome.seed}, path ${outcome.counterexamplePath})`
          : ''),
    );
  }

  const unexpected = await compareDatabase(app, model);
  const fiveXx = [...figures.byStatus].filter(([status]) => status >= 500).reduce((sum, [, n]) => sum + n, 0);
  const statuses = [...figures.byStatus]
    .sort(([a], [b]) => a - b)
    .map(([s, n]) => `${s}×${n}`)
    .join(' ');
  t.comment(
    `hostile input: ${figures.requests} requests over ${loadOperations().length} operations (seed ${options.seed}), ` +
      `${fiveXx} 5xx, ${figures.writes} 2xx writes, ${unexpected.length} unexpected or missing rows; ` +
      `${figures.refusedByClient} header values the HTTP client refuses to send; statuses ${statuses}`,
  );
  t.equal(fiveXx, 0, 'no 5xx');
  t.same(unexpected, [], 'the database holds exactly what 2xx requests wrote');
}

interface GeneratedRequest {
  readonly pathValues: Record<string, string>;
  readonly query: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer | string | undefined;
}

function requestFor(operation: Operation, ids: Record<string, string[]>): fc.Arbitrary<GeneratedRequest> {
  const pathParams = operation.parameters.filter((p) => p.in === 'path');
  const queryParams = operation.parameters.filter((p) => p.in === 'query');
  const headerParams = operation.parameters.filter((p) => p.in === 'header');
  const pathValue = (name: string) =>
    fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...(ids[name] ?? ['x'])) },
      { weight: 1, arbitrary: fc.uuid() },
      { weight: 2, arbitrary: hostileString },
    );
  const queryPairs = fc.tuple(
    ...queryParams.map((p) =>
      fc.option(fc.oneof(validValue(p.schema).map(String), hostileQueryValue), { nil: undefined }),
    ),
  );
  const headerValue = (name: string) =>
    name === 'if-match'
      ? fc.oneof(
          fc.constantFrom('"1"', '"2"', '*', 'W/"1"', '"99999999999999999999"', '"-1"', '1', '""', '"1", "2"'),
          hostileString,
        )
      : fc.oneof(
          validValue({ type: 'string', pattern: '^[\\x21-\\x7E]+$', maxLength: 255 }).map(String),
          hostileString,
        );
  return fc.record({
    pathValues: fc.record(Object.fromEntries(pathParams.map((p) => [p.name, pathValue(p.name)]))),
    query: fc.oneof(
      queryPairs.map((values) => {
        const search = new URLSearchParams();
        values.forEach((value, i) => value !== undefined && search.set(queryParams[i]!.name, value));
        const text = search.toString();
        return text ? `?${text}` : '';
      }),
      rawHostileQuery,
    ),
    headers: fc
      .tuple(
        fc.record(Object.fromEntries(headerParams.map((p) => [p.name, headerValue(p.name)])), { requiredKeys: [] }),
        hostileContentType,
        fc.option(hostileString, { nil: undefined }),
      )
      .map(([params, contentType, requestId]) => {
        const headers: Record<string, string> = { ...(params as Record<string, string>) };
        if (contentType !== undefined) headers['content-type'] = contentType;
        if (requestId !== undefined) headers['x-request-id'] = requestId;
        return headers;
      }),
    body:
      operation.body || operation.method !== 'GET' ? hostileBody(operation.body, BODY_LIMIT) : fc.constant(undefined),
  });
}

async function sendAndCheck(
  app: FastifyInstance,
  operation: Operation,
  request: GeneratedRequest,
  auth: Record<string, string>,
  model: Model,
  figures: Figures,
): Promise<void> {
  const url = fillPath(operation.path, request.pathValues) + request.query;
  let response;
  try {
    response = await app.inject({
      method: operation.method,
      url,
      headers: { ...request.headers, ...(operation.secured ? auth : {}) },
      ...(request.body === undefined ? {} : { payload: request.body }),
    });
  } catch (error) {
    // Node's HTTP client (which light-my-request mirrors) will not put CR, LF or NUL in a header;
    // over a real socket Node's parser answers those with 400 before Fastify sees them.
    if ((error as { code?: string }).code === 'ERR_INVALID_CHAR') {
      figures.refusedByClient += 1;
      return;
    }
    throw error;
  }
  figures.requests += 1;
  figures.byStatus.set(response.statusCode, (figures.byStatus.get(response.statusCode) ?? 0) + 1);
  const where = `${operation.operationId} ${operation.method} ${url.slice(0, 200)} → ${response.statusCode}`;
  if (response.statusCode >= 500) {
    const sent = { headers: request.headers, body: String(request.body).slice(0, 300) };
    throw new Error(`5xx: ${where}: ${response.body.slice(0, 300)}; request ${JSON.stringify(sent)}`);
  }
  if (response.statusCode >= 400) {
    if (!/^application\/problem\+json/.test(String(response.headers['content-type']))) {
      throw new Error(`not problem+json: ${where}: ${response.body.slice(0, 300)}`);
    }
    const problem = json(response);
    if (problem.status !== response.statusCode || typeof problem.type !== 'string') {
      throw new Error(`problem body does not match: ${where}: ${response.body.slice(0, 300)}`);
    }
    if (/at \w+ \(|node_modules|\.ts:\d+/.test(response.body)) throw new Error(`stack trace leaked: ${where}`);
    return;
  }
  if (operation.method !== 'GET') figures.writes += 1;
  applyWrite(operation.operationId, request.pathValues, response.statusCode === 204 ? {} : json(response), model);
}

/** What a 2xx answer says was written. */
function applyWrite(
  operationId: string,
  path: Record<string, string>,
  body: Record<string, unknown>,
  model: Model,
): void {
  const id = String(body.id);
  switch (operationId) {
    case 'createProject':
      model.members.add(`${id}|${String(body.ownerId)}`);
      model.projects.set(id, { name: body.name, description: body.description });
      break;
    case 'replaceProject':
      model.projects.set(id, { name: body.name, description: body.description });
      break;
    case 'deleteProject':
      model.projects.delete(path.projectId!);
      for (const [taskId, task] of model.tasks) if (task.projectId === path.projectId) model.tasks.delete(taskId);
      for (const member of model.members) if (member.startsWith(`${path.projectId}|`)) model.members.delete(member);
      break;
    case 'createTask':
    case 'replaceTask':
      model.tasks.set(id, { projectId: String(body.projectId), title: body.title, description: body.description });
      break;
    case 'deleteTask':
      model.tasks.delete(path.taskId!);
      break;
    case 'acceptInvitation':
      model.members.add(`${id}|${model.caller}`);
      break;
    case 'removeProjectMember':
      model.members.delete(`${path.projectId}|${path.userId}`);
      break;
  }
}

async function compareDatabase(app: FastifyInstance, model: Model): Promise<string[]> {
  const differences: string[] = [];
  const expect = (kind: string, actual: Map<string, string>, expected: Map<string, string>) => {
    for (const [key, value] of actual) {
      if (!expected.has(key)) differences.push(`${kind} ${key} in the database but never acknowledged`);
      else if (expected.get(key) !== value)
        differences.push(`${kind} ${key} is ${value}, acknowledged ${expected.get(key)}`);
    }
    for (const key of expected.keys())
      if (!actual.has(key)) differences.push(`${kind} ${key} acknowledged but missing`);
  };
  const projects = await app.prisma.project.findMany();
  expect(
    'project',
    new Map(projects.map((p) => [p.id, JSON.stringify([p.name, p.description])])),
    new Map([...model.projects].map(([id, p]) => [id, JSON.stringify([p.name, p.description])])),
  );
  const tasks = await app.prisma.task.findMany();
  expect(
    'task',
    new Map(tasks.map((x) => [x.id, JSON.stringify([x.projectId, x.title, x.description])])),
    new Map([...model.tasks].map(([id, x]) => [id, JSON.stringify([x.projectId, x.title, x.description])])),
  );
  const members = await app.prisma.projectMember.findMany();
  expect(
    'member',
    new Map(members.map((m) => [`${m.projectId}|${m.userId}`, ''])),
    new Map([...model.members].map((key) => [key, ''])),
  );
  return differences;
}
