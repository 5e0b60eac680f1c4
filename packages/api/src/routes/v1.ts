import type { FastifyInstance } from 'fastify';
import { provisionUser } from '../http/provision-user.ts';
import { normalizeTextFields } from '../http/text-fields.ts';
import { invitationRoutes } from './invitations/index.ts';
import { meRoutes } from './me/index.ts';
import { projectRoutes } from './projects/index.ts';
import { taskRoutes } from './tasks/index.ts';

/** The signed-in API, registered under the /v1 prefix. */
export async function v1Routes(v1: FastifyInstance): Promise<void> {
  // Rate limits and authentication in onRequest: before the body is parsed or validated.
  v1.addHook('onRequest', v1.authenticateWithinLimits);
  // Names and descriptions: NFC, no control or bidi override characters (src/http/text-fields.ts).
  v1.addHook('preValidation', normalizeTextFields);
  v1.addHook('preHandler', provisionUser(v1.services.userProvisioner));
  await v1.register(meRoutes);
  await v1.register(projectRoutes);
  await v1.register(invitationRoutes);
  await v1.register(taskRoutes);
}
