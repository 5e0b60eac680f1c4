import { ProblemSchema } from './common.ts';
import {
  InvitationInputSchema,
  InvitationSchema,
  MemberSchema,
  MeSchema,
  ProjectInputSchema,
  ProjectSchema,
  TaskInputSchema,
  TaskSchema,
} from './resources.ts';

/**
 * The schemas routes reference by `$id` (refTo), added with `app.addSchema`; the OpenAPI document
 * lists them as components in this order.
 */
export const SHARED_SCHEMAS = [
  ProblemSchema,
  ProjectInputSchema,
  ProjectSchema,
  MemberSchema,
  InvitationInputSchema,
  InvitationSchema,
  TaskInputSchema,
  TaskSchema,
  MeSchema,
] as const;
