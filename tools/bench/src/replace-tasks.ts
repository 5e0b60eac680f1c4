/**
 * PUTs with If-Match need the task's current version, and two requests in flight must not
 * replace the same task (one would 412). Each request takes a task from a free list and
 * returns it with the new version from the ETag when its response arrives. One instance per
 * server for the whole run; between phases `reset` reloads the versions from the database,
 * because a load generator that stops (autocannon at the end of its duration) drops the
 * requests still in flight, whose tasks would otherwise never come back or carry a stale version.
 */
export class ReplaceTasks {
  readonly #pool: readonly string[];
  #free: string[];
  readonly #versions: Map<string, number>;

  constructor(pool: readonly string[]) {
    if (pool.length === 0) throw new Error('replace-task needs at least one task to replace');
    this.#pool = pool;
    this.#free = [...pool];
    this.#versions = new Map(pool.map((id) => [id, 1]));
  }

  get ids(): readonly string[] {
    return this.#pool;
  }

  /** Tasks not in flight. */
  get freeCount(): number {
    return this.#free.length;
  }

  take(): { taskId: string; path: string; headers: Record<string, string>; body: string } {
    // With every task in flight (more requests in flight than tasks), reuse one: it may 412.
    const taskId = this.#free.shift() ?? (this.#pool[Math.floor(Math.random() * this.#pool.length)] as string);
    return {
      taskId,
      path: `/v1/tasks/${taskId}`,
      headers: { 'if-match': `"${this.#versions.get(taskId) ?? 1}"` },
      body: JSON.stringify({ title: `Replaced ${Date.now()}`, status: 'in_progress', priority: 'urgent' }),
    };
  }

  give(taskId: string, status: number, etagHeader: unknown): void {
    const etag = /^"(\d+)"$/.exec(String(etagHeader ?? ''));
    if (status === 200 && etag?.[1] !== undefined) this.#versions.set(taskId, Number(etag[1]));
    if (!this.#free.includes(taskId)) this.#free.push(taskId);
  }

  /** Every task free again, at the given versions (read from the database between phases). */
  reset(versions: ReadonlyMap<string, number>): void {
    for (const id of this.#pool) {
      const version = versions.get(id);
      if (version === undefined) throw new Error(`task ${id} is missing from the database`);
      this.#versions.set(id, version);
    }
    this.#free = [...this.#pool];
  }
}
