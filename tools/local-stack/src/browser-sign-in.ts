/**
 * Signs the demo user (or any user) in to the local Cognito emulator from a browser, with `fetch` only:
 * no AWS SDK, no Node modules, so a dev build can import it (`@taskboard/local-stack/browser-sign-in`)
 * or copy it. It speaks Cognito's JSON protocol (InitiateAuth, USER_PASSWORD_AUTH), as the AWS SDK does.
 * The emulator answers CORS preflights for any origin (cognito-local registers `cors({ origin: '*' })`),
 * so a page on http://localhost:5173 can call it directly. Local development only: in AWS use Amplify or
 * another Cognito client (see packages/sdk/README.md).
 */

export interface LocalSignInOptions {
  /** The emulator's endpoint: `cognito.endpoint` in `.taskboard/local.json`, e.g. http://127.0.0.1:9229 */
  readonly endpoint: string;
  /** `cognito.clientId` in `.taskboard/local.json`. */
  readonly clientId: string;
  /** `demoUser.email` / `demoUser.password` in `.taskboard/local.json` for the demo user. */
  readonly username: string;
  readonly password: string;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

export interface LocalSignInTokens {
  readonly accessToken: string;
  readonly idToken: string;
  readonly refreshToken?: string;
  readonly expiresIn?: number;
}

export async function localSignIn(options: LocalSignInOptions): Promise<LocalSignInTokens> {
  const send = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const response = await send(`${options.endpoint.replace(/\/+$/, '')}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'AWSCognitoIdentityProviderService.InitiateAuth',
    },
    body: JSON.stringify({
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: options.clientId,
      AuthParameters: { USERNAME: options.username, PASSWORD: options.password },
    }),
  });
  const body = (await response.json().catch(() => ({}))) as {
    AuthenticationResult?: { AccessToken?: string; IdToken?: string; RefreshToken?: string; ExpiresIn?: number };
    __type?: string;
    message?: string;
  };
  const result = body.AuthenticationResult;
  if (!response.ok || result?.AccessToken === undefined || result.IdToken === undefined) {
    const reason = body.__type ? `${body.__type}: ${body.message ?? ''}` : `HTTP ${response.status}`;
    throw new Error(`local sign-in of ${options.username} failed (${reason.trim()})`);
  }
  return {
    accessToken: result.AccessToken,
    idToken: result.IdToken,
    refreshToken: result.RefreshToken,
    expiresIn: result.ExpiresIn,
  };
}
