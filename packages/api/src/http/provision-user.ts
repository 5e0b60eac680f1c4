import type { FastifyRequest } from 'fastify';
import { cognitoVerifiedEmail } from '../auth/cognito-email.ts';
import type { UserProvisioner } from '../services/user-provisioning.ts';

/**
 * preHandler hook for signed-in routes: records the caller as a user and keeps their verified email
 * current (services/user-provisioning.ts). An access token carries no email, so it is read from Cognito with
 * the caller's own token when the stored one is unknown or stale.
 */
export function provisionUser(users: UserProvisioner): (request: FastifyRequest) => Promise<void> {
  return async (request) => {
    const token = request.headers.authorization?.slice('Bearer '.length) ?? '';
    await users.ensure(request.principal, () => verifiedEmailFromCognito(request, token));
  };
}

async function verifiedEmailFromCognito(request: FastifyRequest, accessToken: string): Promise<string | null> {
  try {
    return await cognitoVerifiedEmail(request.principal.issuer, accessToken);
  } catch (error) {
    request.log.warn({ err: error }, 'could not read the user email from Cognito');
    throw error;
  }
}
