/**
 * The real Taskboard API for contract and browser tests: `buildApp` from packages/api on a
 * database of its own (on the PostgreSQL that with-stack.ts started for this run), listening on a
 * real 127.0.0.1 socket, with tokens from the run's local Cognito. The SDK reaches it with `fetch`,
 * exactly as an application would.
 *
 * The database and token helpers are the api's own test helpers (imported relatively: they are not
 * part of @taskboard/api's exports), so both packages test against the same stack the same way.
 */
import type { AddressInfo } from 'node:net';
import { buildApp } from '../../../api/src/app.ts';
import type { AppConfig } from '../../../api/src/config.ts';
import {
  createTestDatabase,
  testConfig,
  testStack,
  tokensFor,
  type UserName,
} from '../../../api/test/helpers/stack.ts';

export { testStack, tokensFor, type UserName };

type Tap = Parameters<typeof createTestDatabase>[0];

export interface LiveApi {
  /** e.g. http://127.0.0.1:41234 */
  readonly url: string;
  readonly databaseUrl: string;
}

export interface LiveApiProps {
  readonly config?: Partial<AppConfig>;
  /** Reuse a database (e.g. a second app with another CORS allow-list) instead of creating one. */
  readonly databaseUrl?: string;
}

/** Starts the API on a free loopback port; it is closed (and its database dropped) at teardown. */
export async function startLiveApi(t: Tap, props: LiveApiProps = {}): Promise<LiveApi> {
  const databaseUrl = props.databaseUrl ?? (await createTestDatabase(t));
  const app = await buildApp({ config: testConfig(databaseUrl, props.config), logger: false });
  t.teardown(() => app.close());
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, databaseUrl };
}

/** The user's Cognito access token, for `token: () => accessToken('alice')`. */
export async function accessToken(user: UserName): Promise<string> {
  return (await tokensFor(user)).accessToken;
}
