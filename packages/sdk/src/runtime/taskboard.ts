import { TaskboardClient, type ClientOptions } from './client.ts';
import { HealthAPI, MeAPI, ProjectsAPI, TasksAPI } from '../generated/resources.ts';

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
  readonly health: HealthAPI;

  constructor(options: ClientOptions) {
    super(options);
    this.me = new MeAPI(this);
    this.projects = new ProjectsAPI(this);
    this.tasks = new TasksAPI(this);
    this.health = new HealthAPI(this);
  }
}
