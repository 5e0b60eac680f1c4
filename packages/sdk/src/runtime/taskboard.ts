import { TaskboardClient, type ClientOptions } from './client.ts';
import { HealthAPI, InvitationsAPI, MeAPI, ProjectsAPI, TasksAPI } from '../generated/resources.ts';

/**
 * The Taskboard API client.
 *
 *   const tb = new Taskboard({ baseUrl, token: async () => (await fetchAuthSession()).tokens?.accessToken?.toString() });
 *   const project = await tb.projects.create({ name: 'Launch' });
 */
export class Taskboard extends TaskboardClient {
  readonly me: MeAPI;
  readonly projects: ProjectsAPI;
  readonly tasks: TasksAPI;
  /** Invitations addressed to the signed-in user: list, accept, decline. */
  readonly invitations: InvitationsAPI;
  readonly health: HealthAPI;

  constructor(options: ClientOptions) {
    super(options);
    this.me = new MeAPI(this);
    this.projects = new ProjectsAPI(this);
    this.tasks = new TasksAPI(this);
    this.invitations = new InvitationsAPI(this);
    this.health = new HealthAPI(this);
  }
}
