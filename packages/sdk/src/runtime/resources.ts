import type * as T from '../generated/types.ts';
import type { APIPromise } from './api-promise.ts';
import type { RequestOptions, TaskboardClient } from './client.ts';
import type { PageIterator } from './pagination.ts';

abstract class Resource {
  protected readonly client: TaskboardClient;
  constructor(client: TaskboardClient) {
    this.client = client;
  }
}

export class MeAPI extends Resource {
  /** The signed-in user. */
  get(options?: RequestOptions): APIPromise<T.GetMeResponse> {
    return this.client.request('getMe', {}, options);
  }
}

export class ProjectMembersAPI extends Resource {
  list(projectId: string, query?: T.ListProjectMembersQuery, options?: RequestOptions): PageIterator<T.Member> {
    return this.client.list('listProjectMembers', { params: { projectId }, query }, options);
  }

  add(
    projectId: string,
    body: T.AddProjectMemberBody,
    options?: RequestOptions,
  ): APIPromise<T.AddProjectMemberResponse> {
    return this.client.request('addProjectMember', { params: { projectId }, body }, options);
  }

  /** One member; the `Location` of `add` names it. */
  get(projectId: string, userId: string, options?: RequestOptions): APIPromise<T.GetProjectMemberResponse> {
    return this.client.request('getProjectMember', { params: { projectId, userId } }, options);
  }

  remove(projectId: string, userId: string, options?: RequestOptions): APIPromise<void> {
    return this.client.request('removeProjectMember', { params: { projectId, userId } }, options);
  }
}

export class ProjectsAPI extends Resource {
  readonly members = new ProjectMembersAPI(this.client);

  list(query?: T.ListProjectsQuery, options?: RequestOptions): PageIterator<T.Project> {
    return this.client.list('listProjects', { query }, options);
  }

  create(body: T.CreateProjectBody, options?: RequestOptions): APIPromise<T.CreateProjectResponse> {
    return this.client.request('createProject', { body }, options);
  }

  get(projectId: string, options?: RequestOptions): APIPromise<T.GetProjectResponse> {
    return this.client.request('getProject', { params: { projectId } }, options);
  }

  replace(
    projectId: string,
    body: T.ReplaceProjectBody,
    options?: RequestOptions,
  ): APIPromise<T.ReplaceProjectResponse> {
    return this.client.request('replaceProject', { params: { projectId }, body }, options);
  }

  delete(projectId: string, options?: RequestOptions): APIPromise<void> {
    return this.client.request('deleteProject', { params: { projectId } }, options);
  }
}

export class TasksAPI extends Resource {
  list(projectId: string, query?: T.ListTasksQuery, options?: RequestOptions): PageIterator<T.Task> {
    return this.client.list('listTasks', { params: { projectId }, query }, options);
  }

  create(projectId: string, body: T.CreateTaskBody, options?: RequestOptions): APIPromise<T.CreateTaskResponse> {
    return this.client.request('createTask', { params: { projectId }, body }, options);
  }

  get(taskId: string, options?: RequestOptions): APIPromise<T.GetTaskResponse> {
    return this.client.request('getTask', { params: { taskId } }, options);
  }

  replace(taskId: string, body: T.ReplaceTaskBody, options?: RequestOptions): APIPromise<T.ReplaceTaskResponse> {
    return this.client.request('replaceTask', { params: { taskId }, body }, options);
  }

  delete(taskId: string, options?: RequestOptions): APIPromise<void> {
    return this.client.request('deleteTask', { params: { taskId } }, options);
  }
}

export class HealthAPI extends Resource {
  /** Liveness: the process is up. No token needed. */
  live(options?: RequestOptions): APIPromise<T.GetLivenessResponse> {
    return this.client.request('getLiveness', {}, options);
  }

  /**
   * Serving: the load balancer's target check (ready once since the process started, not draining).
   * No token needed; 503 throws.
   */
  serving(options?: RequestOptions): APIPromise<T.GetServingResponse> {
    return this.client.request('getServing', {}, options);
  }

  /** Readiness: database reachable and migrations applied. No token needed; 503 throws. */
  ready(options?: RequestOptions): APIPromise<T.GetReadinessResponse> {
    return this.client.request('getReadiness', {}, options);
  }
}
