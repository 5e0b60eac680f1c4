import { randomBytes } from 'node:crypto';

/**
 * RFC 9562 UUIDv7: 48-bit millisecond timestamp, then random bits. The api's ids are
 * UUIDv7 (Prisma `uuid(7)`), so seeded rows and the baseline's inserts use the same shape
 * and land in the same index order (append-only at the right edge of the btree).
 */
export function uuidv7(now: number = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x70;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
