export { freePort } from './free-port.ts';
export { startEmbeddedPostgres, type EmbeddedPostgresOptions, type RunningPostgres } from './postgres.ts';
export { startCognitoLocal, type CognitoLocalOptions, type RunningCognito } from './cognito.ts';
export {
  cognitoClient,
  createUser,
  createUserPool,
  signIn,
  type LocalUser,
  type LocalUserPool,
  type Tokens,
} from './user-pool.ts';
export type { TestStack, TestUser } from './with-stack-types.ts';
export { LOCAL_DIR, LOCAL_FILE, readLocalInfo, writeLocalInfo, type LocalStackInfo } from './local-file.ts';
