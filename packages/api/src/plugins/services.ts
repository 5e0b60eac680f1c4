import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { DatabaseHealth } from '../services/database-health.ts';
import { IdempotencyStore } from '../services/idempotency.ts';
import { InvitationService } from '../services/invitations.ts';
import { MeService } from '../services/me.ts';
import { ProjectService } from '../services/projects.ts';
import { TaskService } from '../services/tasks.ts';
import { UserProvisioner } from '../services/user-provisioning.ts';

declare module 'fastify' {
  interface FastifyInstance {
    services: {
      readonly projects: ProjectService;
      readonly invitations: InvitationService;
      readonly tasks: TaskService;
      readonly userProvisioner: UserProvisioner;
      readonly idempotency: IdempotencyStore;
      readonly me: MeService;
      readonly databaseHealth: DatabaseHealth;
    };
  }
}

export interface ServicesOptions {
  /** How long a stored idempotent response is replayed (IDEMPOTENCY_TTL_SECONDS). */
  readonly idempotencyTtlSeconds: number;
}

/** The data access and rules the routes call (`app.services`), built on the database plugin's client. */
export const servicesPlugin = fp(
  async (app: FastifyInstance, options: ServicesOptions) => {
    app.decorate('services', {
      projects: new ProjectService(app.prisma),
      invitations: new InvitationService(app.prisma),
      tasks: new TaskService(app.prisma, app.database.pool),
      userProvisioner: new UserProvisioner(app.prisma),
      idempotency: new IdempotencyStore(app.prisma, options.idempotencyTtlSeconds),
      me: new MeService(app.prisma),
      databaseHealth: new DatabaseHealth(app.database.pool),
    });
  },
  { name: 'services', dependencies: ['database'] },
);
