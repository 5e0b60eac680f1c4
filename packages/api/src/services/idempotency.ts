import { createHash } from 'node:crypto';
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { InputJsonValue } from '../generated/prisma/internal/prismaNamespace.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { HttpProblem } from '../http/problem.ts';
import type { Db } from '../db/prisma-client.ts';

export interface StoredResponse {
  readonly status: number;
  readonly body: unknown;
  readonly etag?: string | null;
  readonly location?: string | null;
  /** True when this is a replay of an earlier response for the same key. */
  readonly replayed: boolean;
}

export interface IdempotentRequest {
  readonly userId: string;
  readonly key: string | undefined;
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
}

type Tx = Db & Pick<PrismaClient, 'idempotencyKey'>;

export interface RunOptions {
  /**
   * Runs before a stored response is replayed and may throw to answer instead: the caller's right
   * to make this request is checked again (they may have lost access to the project since), so a
   * replay never answers a caller whom the request itself would refuse.
   */
  readonly beforeReplay?: () => Promise<void>;
}

/**
 * Idempotency-Key for POSTs. The create and the stored response commit in one
 * transaction, so a retry either finds the stored response or redoes the whole write:
 * never a second row, never a lost one. Two concurrent requests with one key meet at the
 * key's primary key; the loser's transaction rolls back and it replays the winner's response.
 */
export class IdempotencyStore {
  private readonly prisma: PrismaClient;
  private readonly ttlSeconds: number;

  constructor(prisma: PrismaClient, ttlSeconds: number) {
    this.prisma = prisma;
    this.ttlSeconds = ttlSeconds;
  }

  async run(
    request: IdempotentRequest,
    perform: (db: Db) => Promise<Omit<StoredResponse, 'replayed'>>,
    options: RunOptions = {},
  ): Promise<StoredResponse> {
    if (request.key === undefined) return { ...(await perform(this.prisma)), replayed: false };
    const key = request.key;
    const hash = requestHash(request);
    const replay = async (stored: StoredResponse): Promise<StoredResponse> => {
      await options.beforeReplay?.();
      return stored;
    };
    const earlier = await this.find(request.userId, key, hash);
    if (earlier) return await replay(earlier);
    try {
      return await this.prisma.$transaction(async (tx: Tx) => {
        const response = await perform(tx);
        await tx.idempotencyKey.create({
          data: {
            userId: request.userId,
            key,
            method: request.method,
            path: request.path,
            requestHash: hash,
            responseStatus: response.status,
            responseBody: response.body as InputJsonValue,
            responseEtag: response.etag ?? null,
            location: response.location ?? null,
            expiresAt: new Date(Date.now() + this.ttlSeconds * 1000),
          },
        });
        return { ...response, replayed: false };
      });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const winner = await this.find(request.userId, key, hash);
      if (winner) return await replay(winner);
      throw error;
    }
  }

  /** Deletes expired keys; run periodically. */
  async sweep(now = new Date()): Promise<number> {
    const { count } = await this.prisma.idempotencyKey.deleteMany({ where: { expiresAt: { lt: now } } });
    return count;
  }

  private async find(userId: string, key: string, hash: string): Promise<StoredResponse | undefined> {
    const row = await this.prisma.idempotencyKey.findUnique({ where: { userId_key: { userId, key } } });
    if (row === null) return undefined;
    if (row.expiresAt.getTime() <= Date.now()) {
      await this.prisma.idempotencyKey.deleteMany({ where: { userId, key, expiresAt: { lte: new Date() } } });
      return undefined;
    }
    if (row.requestHash !== hash) {
      throw new HttpProblem(
        'idempotencyKeyMismatch',
        'This Idempotency-Key was used for a different request; use a new key for a new request',
      );
    }
    return {
      status: row.responseStatus,
      body: row.responseBody,
      etag: row.responseEtag,
      location: row.location,
      replayed: true,
    };
  }
}

function requestHash(request: IdempotentRequest): string {
  return createHash('sha256')
    .update(`${request.method} ${request.path}\n${JSON.stringify(request.body ?? null)}`)
    .digest('hex');
}
