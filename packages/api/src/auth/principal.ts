/** The caller, as established from a verified token. */
export interface Principal {
  /** The token's `sub`. */
  readonly userId: string;
  /** The token's `iss`, one of the trusted issuers. */
  readonly issuer: string;
  /** The token's `email` when its `email_verified` is true (ID tokens); access tokens carry none. */
  readonly email: string | null;
  readonly groups: readonly string[];
  readonly isAdmin: boolean;
}

export const ADMIN_GROUP = 'admin';
