/**
 * TLS to PostgreSQL (RDS): the equivalent of libpq's sslmode=verify-full. The server's chain must
 * lead to a CA in the configured bundle (the AMI ships Amazon's RDS bundle) and its certificate
 * must name the host we connect to.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { ConfigError } from '../config.ts';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----/;

/** Reads the CA bundle; a missing or non-PEM file stops start-up naming the variable. */
export function loadCaBundle(path: string): string {
  let content: string;
  try {
    content = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `DATABASE_SSL_CA_FILE "${path}" cannot be read: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
      { cause: error },
    );
  }
  if (!PEM_CERTIFICATE.test(content)) {
    throw new ConfigError(`DATABASE_SSL_CA_FILE "${path}" holds no PEM certificate`);
  }
  return content;
}

/** pg's `ssl` option for one host: only the bundle's CAs, host name checked. */
export function verifyFullTls(ca: string, host: string): ConnectionOptions {
  return {
    ca,
    rejectUnauthorized: true,
    // SNI is only for names; Node checks an IP address against the certificate's IP SANs.
    ...(isIP(host) === 0 ? { servername: host } : {}),
  };
}

const UNTRUSTED_CHAIN = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
]);

export interface TlsContext {
  readonly caFile: string;
  readonly host: string;
  readonly port: number;
}

/** Finds a TLS error anywhere in a cause chain (pg, pg-pool and Prisma each wrap errors). */
function tlsCode(error: unknown, depth = 0): { code: string; message: string } | undefined {
  if (typeof error !== 'object' || error === null || depth > 5) return undefined;
  const { code, message, cause } = error as { code?: unknown; message?: unknown; cause?: unknown };
  const text = typeof message === 'string' ? message : '';
  if (
    typeof code === 'string' &&
    (UNTRUSTED_CHAIN.has(code) || code.startsWith('ERR_TLS_') || code.startsWith('CERT_'))
  ) {
    return { code, message: text };
  }
  if (/does not support SSL connections/.test(text)) return { code: 'NO_SSL', message: text };
  return tlsCode(cause, depth + 1);
}

/**
 * A readable reason when a connection failed TLS verification, or undefined for other errors.
 * Start-up stops on these: a wrong CA bundle or host name is a deployment mistake, not an outage.
 */
export function describeTlsFailure(error: unknown, context: TlsContext): string | undefined {
  const found = tlsCode(error);
  if (!found) return undefined;
  const where = `TLS to PostgreSQL at ${context.host}:${context.port} refused`;
  if (UNTRUSTED_CHAIN.has(found.code)) {
    return `${where}: the server's certificate is not signed by a CA in DATABASE_SSL_CA_FILE "${context.caFile}" (${found.code})`;
  }
  if (found.code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return `${where}: the server's certificate is not valid for the host name "${context.host}" (${found.message})`;
  }
  if (found.code === 'NO_SSL') {
    return `${where}: the server does not support TLS, but DATABASE_SSL_CA_FILE requires it`;
  }
  return `${where}: ${found.code} ${found.message}`.trim();
}
