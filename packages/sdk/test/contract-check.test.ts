import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import {
  caretCompatible,
  checkContract,
  pendingBumps,
  renderMarkdown,
  renderReport,
  runCheck,
  workspaceRoot,
  type Bump,
} from '../scripts/contract-check.ts';
import { diffContracts, type ContractDocument, type Schema } from '../scripts/contract-diff.ts';

const exec = promisify(execFile);
const CLI = join(workspaceRoot, 'packages/sdk/scripts/contract-check.ts');
const base = JSON.parse(
  readFileSync(new URL('./fixtures/contract/base.json', import.meta.url), 'utf8'),
) as ContractDocument;

type Doc = ContractDocument & {
  paths: Record<string, Record<string, Record<string, unknown> & { responses: Record<string, unknown> }>>;
  components: { schemas: Record<string, Schema & { properties: Record<string, Schema>; required: string[] }> };
};
const clone = (): Doc => structuredClone(base) as Doc;
const thing = (d: Doc) =>
  d.components.schemas['Thing'] as Schema & { properties: Record<string, Schema>; required: string[] };
const op = (d: Doc, path: string, method: string) =>
  d.paths[path]?.[method] as Record<string, unknown> & { responses: Record<string, unknown> };

/** A workspace holding one released/current pair, as the real check reads it. */
function workspace(
  current: ContractDocument,
  opts: { version?: string; plan?: string; released?: ContractDocument } = {},
): string {
  const root = mkdtempSync(join(tmpdir(), 'contract-check-'));
  const write = (path: string, content: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  };
  write('packages/sdk/contract/released.json', JSON.stringify(opts.released ?? base));
  write('packages/api/openapi.json', JSON.stringify(current));
  write('packages/sdk/package.json', JSON.stringify({ name: '@taskboard/sdk', version: opts.version ?? '1.2.0' }));
  if (opts.plan) write('.nx/version-plans/version-plan-1.md', opts.plan);
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  return root;
}

interface Case {
  readonly name: string;
  readonly change: (d: Doc) => void;
  /** A change to the released side of the pair, when the case needs one. */
  readonly released?: (d: Doc) => void;
  /** A substring of the one message the change must produce. */
  readonly message: string;
}

const breaking: Case[] = [
  { name: 'removed operation', change: (d) => delete d.paths['/things']?.['post'], message: 'operation was removed' },
  {
    name: 'removed response field',
    change: (d) => {
      delete thing(d).properties['size'];
    },
    message: 'field `size` was removed',
  },
  {
    name: 'removed enum value',
    change: (d) => {
      d.components.schemas['Status'] = { anyOf: [{ type: 'string', enum: ['todo'] }] } as never;
    },
    message: 'value "done" was removed',
  },
  {
    name: 'new required request field',
    change: (d) => {
      thing(d).properties['owner'] = { type: 'string' };
      thing(d).required.push('owner');
    },
    message: 'required request body (application/json) field `owner` was added',
  },
  {
    name: 'narrowed type',
    change: (d) => {
      thing(d).properties['name'] = { type: 'string', minLength: 1, maxLength: 50 };
    },
    message: 'maxLength changed from 100 to 50',
  },
  {
    name: 'changed type',
    change: (d) => {
      thing(d).properties['size'] = { type: 'string' };
    },
    message: 'type integer is no longer allowed',
  },
  {
    name: 'changed status code',
    change: (d) => {
      const post = op(d, '/things', 'post');
      post.responses['200'] = post.responses['201'];
      delete post.responses['201'];
    },
    message: 'response status 201 was removed',
  },
  {
    name: 'added authentication',
    change: (d) => {
      op(d, '/health', 'get').security = [{ bearerAuth: [] }];
    },
    message: 'now requires authentication',
  },
  {
    name: 'new required query parameter',
    change: (d) => {
      op(d, '/things', 'get').parameters = [
        { in: 'query', name: 'limit', required: false, schema: { type: 'integer' } },
        { in: 'query', name: 'team', required: true, schema: { type: 'string' } },
      ];
    },
    message: 'required query parameter `team` was added',
  },
  {
    name: 'changed authentication scheme',
    change: (d) => {
      op(d, '/things', 'get').security = [{ apiKey: [] }];
    },
    message: 'authentication changed',
  },
  {
    name: 'removed query parameter',
    change: (d) => {
      op(d, '/things', 'get').parameters = [];
    },
    message: 'query parameter `limit` was removed',
  },
  {
    name: 'query parameter became required and narrower',
    change: (d) => {
      op(d, '/things', 'get').parameters = [
        { in: 'query', name: 'limit', required: true, schema: { type: 'integer', maximum: 10 } },
      ];
    },
    message: 'query parameter `limit` became required',
  },
  {
    name: 'removed request body',
    change: (d) => {
      delete op(d, '/things', 'post').requestBody;
    },
    message: 'request body was removed',
  },
  {
    name: 'new required request body',
    change: (d) => {
      op(d, '/things', 'get').requestBody = { required: true, content: {} };
    },
    message: 'required request body was added',
  },
  {
    name: 'removed media type',
    change: (d) => {
      op(d, '/things', 'post').requestBody = {
        required: true,
        content: { 'text/plain': { schema: { type: 'string' } } },
      };
    },
    message: 'request body no longer accepts or returns application/json',
  },
  {
    name: 'request object closed to a removed field',
    change: (d) => {
      delete thing(d).properties['tags'];
    },
    message: 'request body (application/json) field `tags` was removed',
  },
  {
    name: 'response field became optional',
    change: (d) => {
      thing(d).required = ['id', 'status', 'note'];
    },
    message: 'response 201 (application/json) field `name` became optional',
  },
  {
    name: 'added response enum value',
    change: (d) => {
      d.components.schemas['Status'] = { enum: ['todo', 'done', 'archived'] } as never;
    },
    message: 'value "archived" was added',
  },
  {
    name: 'changed union',
    change: (d) => {
      thing(d).properties['size'] = { oneOf: [{ type: 'integer' }, { type: 'string' }] };
    },
    message: 'oneOf changed (not classified: treated as breaking)',
  },
  {
    name: 'changed array items',
    change: (d) => {
      thing(d).properties['tags'] = { type: 'array', items: { type: 'integer' } };
    },
    message: 'field `tags`[]: type string is no longer allowed',
  },
  {
    name: 'changed pattern',
    change: (d) => {
      thing(d).properties['name'] = { type: 'string', minLength: 1, maxLength: 100, pattern: '^[a-z]+$' };
    },
    message: 'pattern changed from undefined to ^[a-z]+$',
  },
  {
    name: 'read-only field becomes writable and required',
    change: (d) => {
      thing(d).properties['id'] = { type: 'string' };
    },
    message: 'field `id` is now part of the request',
  },
  {
    name: 'new success status',
    change: (d) => {
      op(d, '/things', 'post').responses['200'] = { description: 'existing' };
    },
    message: 'response status 200 was added',
  },
  {
    name: 'narrowed map values',
    change: (d) => {
      thing(d).properties['labels'] = { type: 'object', additionalProperties: { type: 'string' } };
    },
    released: (d) => {
      thing(d).properties['labels'] = { type: 'object', additionalProperties: { type: 'number' } };
    },
    message: 'field `labels` additional properties: type number is no longer allowed',
  },
  {
    name: 'request field no longer nullable',
    change: (d) => {
      thing(d).properties['note'] = { type: 'string' };
    },
    message: 'request body (application/json) field `note` is no longer nullable',
  },
  {
    name: 'request body became required',
    change: () => {},
    released: (d) => {
      (op(d, '/things', 'post').requestBody as { required: boolean }).required = false;
    },
    message: 'request body became required',
  },
  {
    name: 'changed constant',
    change: (d) => {
      op(d, '/things', 'get').parameters = [
        { in: 'query', name: 'limit', required: false, schema: { type: 'integer' } },
        { in: 'header', name: 'x-mode', required: false, schema: { const: 'b' } },
      ];
    },
    released: (d) => {
      op(d, '/things', 'get').parameters = [
        { in: 'query', name: 'limit', required: false, schema: { type: 'integer' } },
        { in: 'header', name: 'x-mode', required: false, schema: { const: 'a' } },
      ];
    },
    message: 'header parameter `x-mode`: value "a" was removed',
  },
  {
    name: 'response field became nullable',
    change: (d) => {
      thing(d).properties['name'] = { anyOf: [{ type: 'string', minLength: 1, maxLength: 100 }, { type: 'null' }] };
    },
    message: 'field `name` became nullable',
  },
];

const compatible: Case[] = [
  {
    name: 'added operation',
    change: (d) => {
      d.paths['/things/{id}'] = { get: { responses: { '200': { description: 'one' } } } };
    },
    message: 'operation was added',
  },
  {
    name: 'added optional field',
    change: (d) => {
      thing(d).properties['colour'] = { type: 'string' };
    },
    message: 'optional',
  },
  {
    name: 'added request enum value',
    change: (d) => {
      op(d, '/things', 'get').parameters = [
        { in: 'query', name: 'limit', required: false, schema: { type: 'integer' } },
        { in: 'query', name: 'order', required: false, schema: { enum: ['asc'] } },
      ];
    },
    message: 'optional query parameter `order` was added',
  },
  {
    name: 'added error status',
    change: (d) => {
      op(d, '/things', 'get').responses['429'] = { description: 'slow down' };
    },
    message: 'response status 429 was added',
  },
  {
    name: 'removed authentication',
    change: (d) => {
      op(d, '/things', 'get').security = [];
    },
    message: 'no longer requires authentication',
  },
  {
    name: 'request constraint widened, optional body, parameter became optional',
    change: (d) => {
      thing(d).properties['name'] = { type: 'string', minLength: 0, maxLength: 200 };
      const post = op(d, '/things', 'post');
      (post.requestBody as { required: boolean }).required = false;
    },
    message: 'request body became optional',
  },
  {
    name: 'response media type added, optional body added',
    change: (d) => {
      op(d, '/things', 'get').responses['401'] = {
        description: 'no token',
        content: {
          'application/problem+json': { schema: { type: 'object', additionalProperties: { type: 'string' } } },
        },
      };
      op(d, '/health', 'get').requestBody = { content: {} };
    },
    message: 'optional request body was added',
  },
  {
    name: 'open objects and required parameters relaxed',
    change: (d) => {
      thing(d).additionalProperties = true;
      d.paths['/things']!['get']!.parameters = [{ in: 'query', name: 'limit', schema: { type: 'integer' } }];
    },
    message: 'additionalProperties changed',
  },
  {
    name: 'parameter became optional and accepts more types',
    change: (d) => {
      op(d, '/things', 'get').parameters = [
        { in: 'query', name: 'limit', required: false, schema: { type: ['integer', 'string'] } },
      ];
    },
    released: (d) => {
      op(d, '/things', 'get').parameters = [
        { in: 'query', name: 'limit', required: true, schema: { type: 'integer' } },
      ];
    },
    message: 'query parameter `limit`: type string is now allowed',
  },
  {
    name: 'documentation only',
    change: (d) => {
      thing(d).properties['name'] = { type: 'string', minLength: 1, maxLength: 100, description: 'The name.' };
    },
    message: '',
  },
];

for (const c of breaking) {
  t.test(`breaking: ${c.name}`, async (t) => {
    const released = clone();
    c.released?.(released);
    const current = clone();
    c.change(current);
    const changes = diffContracts(released, current);
    t.ok(
      changes.some((x) => x.breaking && x.message.includes(c.message)),
      `${c.message} in ${JSON.stringify(changes)}`,
    );

    const blocked = runCheck(workspace(current, { released })).result;
    t.equal(blocked.ok, false, 'a minor release may not carry it');
    const plan = "---\n'@taskboard/sdk': major\n---\n\nBreaking.\n";
    t.equal(runCheck(workspace(current, { plan, released })).result.ok, true, 'a major version plan allows it');
    const major = workspace(current, { version: '2.0.0', released });
    t.equal(runCheck(major).result.ok, true, 'a major version allows it');
  });
}

for (const c of compatible) {
  t.test(`compatible: ${c.name}`, async (t) => {
    const current = clone();
    c.change(current);
    const changes = diffContracts(base, current);
    t.equal(changes.filter((x) => x.breaking).length, 0, JSON.stringify(changes));
    if (c.message)
      t.ok(
        changes.some((x) => x.message.includes(c.message)),
        JSON.stringify(changes),
      );
    else t.same(changes, [], 'no change reported');
    t.equal(runCheck(workspace(current)).result.ok, true);
  });
}

t.test('the CLI exits 1 on a breaking change without a major release, and says how to declare one', async (t) => {
  const current = clone();
  delete thing(current).properties['size'];
  const failed = await exec(process.execPath, [CLI, '--root', workspace(current)]).catch((e: unknown) => e);
  const { code, stdout } = failed as { code: number; stdout: string };
  t.equal(code, 1);
  t.match(stdout, /BREAKING\s+POST \/things: response 201 \(application\/json\) field `size` was removed/);
  t.match(stdout, /npx nx release plan major --projects=@taskboard\/sdk --onlyTouched=false -m/);

  const plan = "---\n'@taskboard/sdk': feat!\n---\n\nDrop size.\n";
  const passed = await exec(process.execPath, [CLI, '--root', workspace(current, { plan })]);
  t.match(passed.stdout, /allowed: a version plan asks for a major release/);
  const md = await exec(process.execPath, [CLI, '--markdown', '--root', workspace(current, { plan })]);
  t.match(md.stdout, /^### API contract changes\n\n\*\*Breaking\*\*\n\n- `GET \/things`: /);
});

t.test('the real contract against the released one passes', async (t) => {
  const { stdout } = await exec(process.execPath, [CLI]);
  t.match(stdout, /^API contract vs\. released /);
  const { result } = runCheck();
  t.equal(result.ok, true, renderReport(result, 'released'));
});

t.test('version plans: only the SDK key counts, aliases map as nx maps them', (t) => {
  const plans = (content: string): Bump[] => {
    const root = workspace(base, { plan: content });
    return pendingBumps(root);
  };
  t.same(plans('---\n"@taskboard/sdk": fix!\n---\n\nx\n'), ['major']);
  t.same(plans('---\n@taskboard/sdk: feat\nother: major\n---\n\nx\n'), ['minor']);
  t.same(plans('no front matter'), []);
  t.same(pendingBumps(mkdtempSync(join(tmpdir(), 'no-plans-'))), []);
  t.end();
});

t.test("npm's caret rule decides what a major release is", (t) => {
  t.equal(caretCompatible('1.2.0', '1.9.9'), true);
  t.equal(caretCompatible('1.2.0', '2.0.0'), false);
  t.equal(caretCompatible('0.2.0', '0.2.5'), true);
  t.equal(caretCompatible('0.2.0', '0.3.0'), false);
  t.equal(caretCompatible('0.0.3', '0.0.4'), false);
  t.throws(() => caretCompatible('one', '1.0.0'), /not a semantic version: one/);
  t.end();
});

t.test('documents other than OpenAPI 3.1 are refused, unknown $refs too', (t) => {
  t.throws(() => diffContracts({ ...base, openapi: '3.0.3' }, base), /expected an OpenAPI 3.1 document/);
  t.same(diffContracts({ openapi: '3.1.0' }, { openapi: '3.1.1' }), [], 'no paths, no changes');
  const current = clone();
  thing(current).properties['parent'] = { $ref: '#/components/schemas/Missing' };
  t.throws(() => diffContracts(base, current), /cannot resolve \$ref #\/components\/schemas\/Missing/);
  t.end();
});

t.test('markdown lists compatible changes apart and is empty without changes', (t) => {
  const current = clone();
  op(current, '/things', 'get').responses['429'] = { description: 'slow down' };
  const result = checkContract({ released: base, current, sdkVersion: '1.2.0', bumps: [] });
  t.equal(
    renderMarkdown(result.changes),
    '### API contract changes\n\n**Compatible**\n\n- `GET /things`: response status 429 was added\n',
  );
  t.equal(renderMarkdown([]), '');
  t.end();
});
