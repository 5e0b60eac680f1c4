import { randomUUID } from 'node:crypto';
import { signIn } from '@taskboard/local-stack';
import t from 'tap';
import { cognitoVerifiedEmail } from '../../src/auth/cognito-email.ts';
import { UserProvisioner } from '../../src/services/user-provisioning.ts';
import { addMemberDirectly } from '../helpers/members.ts';
import { createProject } from '../helpers/projects.ts';
import { authHeader, buildTestApp, json, signedIn, signToken, testConfig, testStack } from '../helpers/stack.ts';

// Issue 14, item 6 ("smaller items"); docs/reliability.md, "Smaller items", names each test here.

t.test('authenticated responses carry Cache-Control: no-store', async (t) => {
  const app = await buildTestApp(t);
  const alice = await authHeader('alice');
  const created = await app.inject({ method: 'POST', url: '/v1/projects', headers: alice, payload: { name: 'P' } });
  t.equal(created.statusCode, 201);
  const responses = {
    'a list': await app.inject({ method: 'GET', url: '/v1/projects', headers: alice }),
    'a create': created,
    'a read': await app.inject({ method: 'GET', url: `/v1/projects/${String(json(created).id)}`, headers: alice }),
    'a problem for a signed-in caller': await app.inject({
      method: 'GET',
      url: '/v1/projects/0190b6c5-0000-7000-8000-000000000000',
      headers: alice,
    }),
    'a 401 for a bad token': await app.inject({
      method: 'GET',
      url: '/v1/me',
      headers: { authorization: 'Bearer a.b.c' },
    }),
  };
  for (const [what, response] of Object.entries(responses)) {
    t.equal(response.headers['cache-control'], 'no-store', what);
  }
  const docs = await app.inject({ method: 'GET', url: '/docs/json' });
  t.not(docs.headers['cache-control'], 'no-store', 'public documents stay cacheable');
});

/** One call of the Cognito user-pool API on the emulator (the JSON protocol the AWS SDK speaks). */
async function cognito(operation: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const response = await fetch(testStack().cognito.endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `AWSCognitoIdentityProviderService.${operation}`,
    },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${operation}: ${response.status} ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
}

/** A user of the emulator whose email is not verified (signed up and confirmed by an administrator). */
async function unverifiedUser(): Promise<{ sub: string; email: string; accessToken: string }> {
  const { cognito: pool } = testStack();
  const email = `unverified-${randomUUID().slice(0, 8)}@example.test`;
  const signUp = await cognito('SignUp', {
    ClientId: pool.clientId,
    Username: email,
    Password: PASSWORD,
    UserAttributes: [{ Name: 'email', Value: email }],
  });
  await cognito('AdminConfirmSignUp', { UserPoolId: pool.poolId, Username: email });
  const { accessToken } = await signIn(pool.endpoint, pool.clientId, email, PASSWORD);
  return { sub: String(signUp.UserSub), email, accessToken };
}

async function setEmail(sub: string, attributes: { Name: string; Value: string }[]): Promise<void> {
  await cognito('AdminUpdateUserAttributes', {
    UserPoolId: testStack().cognito.poolId,
    Username: sub, // the username; the email alias changes with the address
    UserAttributes: attributes,
  });
}

const PASSWORD = 'Test-password-1';

t.test('only a verified email is stored, and a stored email is refreshed from Cognito', async (t) => {
  const app = await buildTestApp(t);
  const { issuer } = testStack().cognito;
  const user = await unverifiedUser();
  const bearer = { authorization: `Bearer ${user.accessToken}` };
  // GetUser against the emulator: the boundary the api talks to.
  const lookup = () => cognitoVerifiedEmail(issuer, user.accessToken);

  t.equal(await lookup(), null, 'GetUser: email_verified is not "true"');
  const me = await app.inject({ method: 'GET', url: '/v1/me', headers: bearer });
  t.equal(me.statusCode, 200);
  t.equal(json(me).email, null, 'an unverified email is not taken');
  const stored = async () => (await app.prisma.user.findUniqueOrThrow({ where: { id: user.sub } })).email;
  t.equal(await stored(), null);

  await setEmail(user.sub, [
    { Name: 'email', Value: user.email },
    { Name: 'email_verified', Value: 'true' },
  ]);
  t.equal(await lookup(), user.email, 'GetUser: verified now');
  let lookups = 0;
  const counted = async () => {
    lookups += 1;
    return await lookup();
  };
  const principal = { userId: user.sub, issuer, email: null, groups: [], isAdmin: false };
  const users = new UserProvisioner(app.prisma);
  await users.ensure(principal, counted);
  t.equal(await stored(), user.email, 'an unknown email is asked again, and stored once verified');
  await users.ensure(principal, counted);
  await new UserProvisioner(app.prisma).ensure(principal, counted);
  t.equal(lookups, 1, 'a fresh email is not asked again, in this process or another');

  // The user changes their address; Cognito marks the new one unverified.
  await setEmail(user.sub, [{ Name: 'email', Value: `new-${user.email}` }]);
  await app.prisma.$executeRaw`UPDATE users SET updated_at = now() - interval '25 hours' WHERE id = ${user.sub}`;
  await new UserProvisioner(app.prisma).ensure(principal, counted);
  t.equal(lookups, 2, 'a stored email older than a day is asked again');
  t.equal(await stored(), null, 'and dropped: the address Cognito has now is not verified');

  await setEmail(user.sub, [
    { Name: 'email', Value: `new-${user.email}` },
    { Name: 'email_verified', Value: 'true' },
  ]);
  await new UserProvisioner(app.prisma).ensure(principal, counted);
  t.equal(await stored(), `new-${user.email}`, 'the new address once verified');

  await app.prisma.$executeRaw`UPDATE users SET updated_at = now() - interval '25 hours' WHERE id = ${user.sub}`;
  await new UserProvisioner(app.prisma).ensure(principal, async () => {
    throw new Error('Cognito is down');
  });
  t.equal(await stored(), `new-${user.email}`, 'a failed refresh keeps the stored email');
});

t.test('an ID token email counts only when email_verified is true', async (t) => {
  const app = await buildTestApp(t, { auth: { ...testConfig('x').auth, tokenUse: ['id'] } });
  const { issuer, clientId } = testStack().cognito;
  const idClaims = (sub: string, verified: unknown) => ({
    sub,
    iss: issuer,
    aud: clientId,
    token_use: 'id',
    email: `${sub}@example.test`,
    email_verified: verified,
    iat: Math.floor(Date.now() / 1000),
    exp: Math.floor(Date.now() / 1000) + 600,
  });
  const meWith = async (claims: Record<string, unknown>) =>
    json(await app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${signToken(claims)}` } }));
  t.equal((await meWith(idClaims(`id-unverified-${randomUUID()}`, false))).email, null);
  t.equal((await meWith(idClaims(`id-string-${randomUUID()}`, 'false'))).email, null);
  const verified = `id-verified-${randomUUID()}`;
  t.equal((await meWith(idClaims(verified, true))).email, `${verified}@example.test`);
});

t.test('an idempotent replay re-checks access: after removal it answers like a non-member', async (t) => {
  const app = await buildTestApp(t);
  const { alice, bob, carol } = await signedIn(app, 'alice', 'bob', 'carol');
  const { id: projectId } = await createProject(app, alice, { name: 'P' });
  // Membership written directly: this test is about the replay, not how members join.
  await addMemberDirectly(app, projectId, 'bob');
  const create = (headers: Record<string, string>, key: string) =>
    app.inject({
      method: 'POST',
      url: `/v1/projects/${projectId}/tasks`,
      headers: { ...headers, 'idempotency-key': key },
      payload: { title: 'Write it' },
    });

  const first = await create(bob, 'replay-key-1');
  t.equal(first.statusCode, 201);
  const replayed = await create(bob, 'replay-key-1');
  t.equal(replayed.statusCode, 201, 'a member still gets the replay');
  t.equal(replayed.headers['idempotent-replayed'], 'true');

  await app.prisma.projectMember.deleteMany({ where: { projectId, userId: testStack().users.bob.sub } });
  const afterRemoval = await create(bob, 'replay-key-1');
  const nonMember = await create(carol, 'replay-key-1');
  t.equal(nonMember.statusCode, 404, 'what a non-member gets');
  t.equal(afterRemoval.statusCode, nonMember.statusCode, 'the removed member gets the same status');
  t.equal(json(afterRemoval).type, json(nonMember).type);
  t.notOk(afterRemoval.headers['idempotent-replayed'], 'and no replay');
  t.notMatch(afterRemoval.body, String(json(first).id), 'nor the task');
});

t.test(
  'names and descriptions are stored in NFC; control and bidi override characters are a 400 naming the field',
  async (t) => {
    const app = await buildTestApp(t);
    const alice = await authHeader('alice');
    const post = (url: string, payload: Record<string, unknown>) =>
      app.inject({ method: 'POST', url, headers: alice, payload });

    const decomposed = 'Cafe\u0301 plan'; // "e" + COMBINING ACUTE ACCENT
    const project = await post('/v1/projects', { name: decomposed, description: 'Line one\n\tLine two' });
    t.equal(project.statusCode, 201);
    t.equal(json(project).name, 'Caf\u00e9 plan', 'NFC: one precomposed é');
    t.equal(json(project).description, 'Line one\n\tLine two', 'tabs and line breaks stay in descriptions');
    const projectId = String(json(project).id);
    const stored = await app.prisma.project.findUniqueOrThrow({ where: { id: projectId } });
    t.equal(stored.name, 'Caf\u00e9 plan', 'stored normalized');

    const task = await post(`/v1/projects/${projectId}/tasks`, {
      title: 'A\u030Angstr\u00f6m',
      description: 'o\u0308',
    });
    t.equal(task.statusCode, 201);
    t.match(json(task), { title: '\u00c5ngstr\u00f6m', description: '\u00f6' });

    const rtl = await post('/v1/projects', { name: '\u05e9\u05dc\u05d5\u05dd\u200F (RLM mark)' });
    t.equal(rtl.statusCode, 201, 'plain direction marks stay allowed');

    const refused: { readonly url: string; readonly payload: Record<string, unknown>; readonly paths: string[] }[] = [
      // RIGHT-TO-LEFT OVERRIDE
      { url: '/v1/projects', payload: { name: 'invoice\u202Efdp.exe' }, paths: ['/body/name'] },
      // isolates
      {
        url: '/v1/projects',
        payload: { name: 'ok', description: 'see \u2066hidden\u2069' },
        paths: ['/body/description'],
      },
      { url: '/v1/projects', payload: { name: 'two\nlines' }, paths: ['/body/name'] },
      {
        url: '/v1/projects',
        payload: { name: 'bell\u0007', description: 'c1 \u0085' },
        paths: ['/body/name', '/body/description'],
      },
      { url: `/v1/projects/${projectId}/tasks`, payload: { title: 'escape \u001b[31m red' }, paths: ['/body/title'] },
    ];
    for (const { url, payload, paths } of refused) {
      const response = await post(url, payload);
      t.equal(response.statusCode, 400, JSON.stringify(payload));
      t.match(json(response), { type: '/problems/validation-error' });
      t.same(
        (json(response).errors as { path: string }[]).map((error) => error.path),
        paths,
        `names ${paths.join(', ')}`,
      );
    }
    const replaced = await app.inject({
      method: 'PUT',
      url: `/v1/projects/${projectId}`,
      headers: { ...alice, 'if-match': '"1"' },
      payload: { name: 'renamed \u202Dx' },
    });
    t.equal(replaced.statusCode, 400, 'a replace is checked too');
    t.equal((await app.prisma.project.findUniqueOrThrow({ where: { id: projectId } })).name, 'Caf\u00e9 plan');
  },
);

t.test('the length limit applies to the normalized text', async (t) => {
  const app = await buildTestApp(t);
  // U+0958 is a composition exclusion: NFC turns it into two characters (U+0915 U+093C).
  const name = '\u0958'.repeat(150);
  const response = await app.inject({
    method: 'POST',
    url: '/v1/projects',
    headers: await authHeader('alice'),
    payload: { name },
  });
  t.equal(response.statusCode, 400, '300 characters once normalized: over the 200 limit, not a database error');
  t.match(json(response), { errors: [{ path: '/body/name' }] });
});
