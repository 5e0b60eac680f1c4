import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';

export interface UserDirectoryProps {
  /** @default 'optional' */
  readonly mfa?: 'optional' | 'required';
  /** @default false */
  readonly selfSignUp?: boolean;
  /** @default 12 */
  readonly passwordMinLength?: number;
  /**
   * How long an access token is accepted. The api verifies tokens itself and does not ask Cognito per
   * request, so this bounds how long a disabled, deleted or signed-out user, or a revoked refresh token,
   * keeps access. Cognito accepts 5 minutes to 1 day.
   * @default Duration.minutes(15)
   */
  readonly accessTokenValidity?: Duration;
  /** The same bound for ID tokens (5 minutes to 1 day). @default Duration.minutes(15) */
  readonly idTokenValidity?: Duration;
  /** @default Duration.days(30) */
  readonly refreshTokenValidity?: Duration;
  /** Keep the pool when the stack is deleted. @default true */
  readonly retain?: boolean;
}

/** The group whose members get administrative rights in the api (`cognito:groups` claim). */
export const ADMIN_GROUP = 'admin';

/** Short, so that revocation takes effect within minutes (README, "Authentication"). */
const DEFAULT_TOKEN_VALIDITY = Duration.minutes(15);

/** Cognito's range for access and ID token lifetimes (API_TokenValidityUnitsType: five minutes to one day). */
function assertTokenValidity(name: string, validity: Duration): void {
  const minutes = validity.toMinutes({ integral: false });
  if (minutes < 5 || minutes > 1440) {
    throw new Error(`UserDirectory: ${name} must be 5 minutes to 1 day, got ${validity.toHumanString()}`);
  }
}

/** Cognito user pool and a public (secretless) app client for the SPA and the SDK. */
export class UserDirectory extends Construct {
  readonly userPool: cognito.UserPool;
  readonly client: cognito.UserPoolClient;

  constructor(scope: Construct, id: string, props: UserDirectoryProps = {}) {
    super(scope, id);
    const minLength = props.passwordMinLength ?? 12;
    if (minLength < 8 || minLength > 99)
      throw new Error(`UserDirectory: passwordMinLength must be 8-99, got ${minLength}`);
    const accessTokenValidity = props.accessTokenValidity ?? DEFAULT_TOKEN_VALIDITY;
    const idTokenValidity = props.idTokenValidity ?? DEFAULT_TOKEN_VALIDITY;
    assertTokenValidity('accessTokenValidity', accessTokenValidity);
    assertTokenValidity('idTokenValidity', idTokenValidity);
    this.userPool = new cognito.UserPool(this, 'UserPool', {
      selfSignUpEnabled: props.selfSignUp ?? false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      keepOriginal: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      passwordPolicy: {
        minLength,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: props.mfa === 'required' ? cognito.Mfa.REQUIRED : cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      deletionProtection: props.retain ?? true,
      removalPolicy: (props.retain ?? true) ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.client = this.userPool.addClient('AppClient', {
      generateSecret: false, // browsers cannot keep a secret
      // SRP for browsers. ADMIN_USER_PASSWORD_AUTH for operators' smoke tests (docs/first-deploy.md):
      // AdminInitiateAuth must be signed with IAM credentials allowed cognito-idp:AdminInitiateAuth
      // (https://docs.aws.amazon.com/cognito-user-pools/latest/APIReference/API_AdminInitiateAuth.html),
      // so it opens nothing to the public, unlike USER_PASSWORD_AUTH; SRP cannot be done by hand.
      authFlows: { userSrp: true, adminUserPassword: true },
      // No hosted UI: without this CDK enables the implicit and code grants with an example.com callback.
      disableOAuth: true,
      preventUserExistenceErrors: true,
      // RevokeToken, GlobalSignOut and AdminUserGlobalSignOut then stop the refresh token: no new access
      // tokens, so a revoked session ends when its last access token expires.
      enableTokenRevocation: true,
      accessTokenValidity,
      idTokenValidity,
      refreshTokenValidity: props.refreshTokenValidity ?? Duration.days(30),
    });
    this.userPool.addGroup('AdminGroup', { groupName: ADMIN_GROUP, description: 'Taskboard administrators' });
  }

  /** The `iss` claim of this pool's tokens; the api reads its JWKS from `<issuer>/.well-known/jwks.json`. */
  get issuerUrl(): string {
    return this.userPool.userPoolProviderUrl;
  }
}
