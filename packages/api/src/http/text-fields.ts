import type { FastifyRequest } from 'fastify';
import { HttpProblem, type FieldError } from './problem.ts';

/**
 * User-written text (project names, task titles, descriptions) is stored in Unicode NFC, so one
 * name has one spelling (a precomposed "é" and "e" + U+0301 compare equal afterwards), and refuses
 * characters that make a name display as something else:
 * - control characters (Unicode Cc: C0, DEL, C1), except tab and line breaks in descriptions;
 * - bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069): they reorder
 *   what follows them on screen, the "Trojan Source" trick (CVE-2021-42574). The plain direction
 *   marks (U+200E, U+200F, U+061C) stay allowed: right-to-left text needs them, and they reorder nothing.
 * Runs before schema validation, so `maxLength` applies to the normalized text (NFC lengthens a few
 * characters, e.g. U+0958, and the columns count characters). In code rather than as a schema
 * `pattern`, so the published contract (openapi.json, whose request patterns only ever loosen) does
 * not change.
 */
const SINGLE_LINE_FIELDS = ['name', 'title'] as const;
const MULTI_LINE_FIELDS = ['description'] as const;

const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]/u;
const CONTROL = /\p{Cc}/u;
const CONTROL_EXCEPT_LINE_BREAKS = /[^\P{Cc}\t\n\r]/u;

function problemWith(text: string, multiLine: boolean): string | undefined {
  if ((multiLine ? CONTROL_EXCEPT_LINE_BREAKS : CONTROL).test(text)) {
    return multiLine
      ? 'must not contain control characters other than tab and line breaks'
      : 'must not contain control characters';
  }
  if (BIDI_CONTROL.test(text)) {
    return 'must not contain bidirectional embedding, override or isolate characters (U+202A–U+202E, U+2066–U+2069)';
  }
  return undefined;
}

/**
 * preValidation: normalizes the text fields of a JSON body to NFC in place, or answers 400 naming
 * every field that holds a refused character.
 */
export async function normalizeTextFields(request: FastifyRequest): Promise<void> {
  const body = request.body;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return;
  const fields = body as Record<string, unknown>;
  const errors: FieldError[] = [];
  const check = (field: string, multiLine: boolean): void => {
    const value = fields[field];
    if (typeof value !== 'string') return;
    const message = problemWith(value, multiLine);
    if (message === undefined) fields[field] = value.normalize('NFC');
    else errors.push({ path: `/body/${field}`, message });
  };
  for (const field of SINGLE_LINE_FIELDS) check(field, false);
  for (const field of MULTI_LINE_FIELDS) check(field, true);
  if (errors.length > 0) {
    const names = errors.map((error) => error.path.slice('/body/'.length)).join(', ');
    throw new HttpProblem('validation', `Characters that are not allowed in: ${names}`, { errors });
  }
}
