import {
  AdminAddUserToGroupCommand,
  AdminConfirmSignUpCommand,
  AdminUpdateUserAttributesCommand,
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  InitiateAuthCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';

export interface LocalUser {
  readonly email: string;
  readonly password: string;
  readonly groups?: readonly string[];
}

export interface LocalUserPool {
  readonly poolId: string;
  readonly clientId: string;
}

export interface Tokens {
  readonly accessToken: string;
  readonly idToken: string;
  readonly refreshToken?: string;
}

/** An SDK client for the emulator; it accepts any credentials. */
export function cognitoClient(endpoint: string): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

/** Creates a user pool with an app client (no secret) and an `admin` group. */
export async function createUserPool(endpoint: string, name: string): Promise<LocalUserPool> {
  const client = cognitoClient(endpoint);
  try {
    const pool = await client.send(
      new CreateUserPoolCommand({ PoolName: name, UsernameAttributes: ['email'], AutoVerifiedAttributes: ['email'] }),
    );
    const poolId = pool.UserPool?.Id;
    if (poolId === undefined) throw new Error('cognito-local returned no pool id');
    const app = await client.send(
      new CreateUserPoolClientCommand({
        UserPoolId: poolId,
        ClientName: `${name}-web`,
        GenerateSecret: false,
        ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      }),
    );
    const clientId = app.UserPoolClient?.ClientId;
    if (clientId === undefined) throw new Error('cognito-local returned no client id');
    await client.send(new CreateGroupCommand({ UserPoolId: poolId, GroupName: 'admin' }));
    return { poolId, clientId };
  } finally {
    client.destroy();
  }
}

/** Signs a user up, confirms them (email verified) and puts them in their groups; returns their `sub`. */
export async function createUser(endpoint: string, pool: LocalUserPool, user: LocalUser): Promise<string> {
  const client = cognitoClient(endpoint);
  try {
    const signUp = await client.send(
      new SignUpCommand({
        ClientId: pool.clientId,
        Username: user.email,
        Password: user.password,
        UserAttributes: [{ Name: 'email', Value: user.email }],
      }),
    );
    await client.send(new AdminConfirmSignUpCommand({ UserPoolId: pool.poolId, Username: user.email }));
    // A user who confirms their sign-up with the emailed code has a verified email; the api only takes
    // verified ones (email_verified), so the demo and test users get what that confirmation gives.
    await client.send(
      new AdminUpdateUserAttributesCommand({
        UserPoolId: pool.poolId,
        Username: user.email,
        UserAttributes: [
          { Name: 'email', Value: user.email },
          { Name: 'email_verified', Value: 'true' },
        ],
      }),
    );
    for (const group of user.groups ?? []) {
      await client.send(
        new AdminAddUserToGroupCommand({ UserPoolId: pool.poolId, Username: user.email, GroupName: group }),
      );
    }
    if (signUp.UserSub === undefined) throw new Error('cognito-local returned no user sub');
    return signUp.UserSub;
  } finally {
    client.destroy();
  }
}

/** USER_PASSWORD_AUTH sign-in, as a script or test would do it. */
export async function signIn(endpoint: string, clientId: string, email: string, password: string): Promise<Tokens> {
  const client = cognitoClient(endpoint);
  try {
    const result = await client.send(
      new InitiateAuthCommand({
        ClientId: clientId,
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: email, PASSWORD: password },
      }),
    );
    const auth = result.AuthenticationResult;
    if (auth?.AccessToken === undefined || auth.IdToken === undefined) {
      throw new Error(`sign-in for ${email} returned no tokens`);
    }
    return { accessToken: auth.AccessToken, idToken: auth.IdToken, refreshToken: auth.RefreshToken };
  } finally {
    client.destroy();
  }
}
