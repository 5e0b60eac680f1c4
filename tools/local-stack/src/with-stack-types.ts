/** What with-stack.ts hands the test processes in TASKBOARD_TEST_STACK. */
export interface TestUser {
  readonly email: string;
  readonly password: string;
  readonly sub: string;
}

export interface TestStack {
  /** A URL on the server with rights to create databases. */
  readonly serverUrl: string;
  readonly cognito: {
    readonly endpoint: string;
    readonly poolId: string;
    readonly clientId: string;
    readonly issuer: string;
  };
  readonly users: Readonly<Record<'alice' | 'bob' | 'carol' | 'admin', TestUser>>;
}
