import { randomBytes } from 'node:crypto';

/**
 * RFC 9562 UUIDv7 (48-bit millisecond timestamp, then random bits), the shape of Prisma's
 * `uuid(7)` default: for rows the api inserts with raw SQL, which bypasses Prisma's defaults.
 */
export function uuidv7(now: number = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes.writeUInt8((bytes.readUInt8(6) & 0x0f) | 0x70, 6);
  bytes.writeUInt8((bytes.readUInt8(8) & 0x3f) | 0x80, 8);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
