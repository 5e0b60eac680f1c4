import { Type, type Static } from 'typebox';
import { Timestamp, UserId, Uuid } from './common.ts';
import {
  INVITATION_EXAMPLE,
  INVITATION_INPUT_EXAMPLE,
  ME_EXAMPLE,
  MEMBER_EXAMPLE,
  PROJECT_EXAMPLE,
  PROJECT_INPUT_EXAMPLE,
  TASK_EXAMPLE,
  TASK_INPUT_EXAMPLE,
} from './examples.ts';

/** PostgreSQL text cannot hold NUL; reject it as a validation error instead of failing the write. */
const NO_NUL = '^[^\\u0000]*$';

const readOnly = <T extends object>(schema: T): T => ({ ...schema, readOnly: true });

export const ProjectRoleSchema = Type.Union([Type.Literal('owner'), Type.Literal('member')], {
  description: 'owner: manages the project and its members; member: manages tasks.',
});
export const TaskStatusSchema = Type.Union([Type.Literal('todo'), Type.Literal('in_progress'), Type.Literal('done')]);
export const TaskPrioritySchema = Type.Union([
  Type.Literal('low'),
  Type.Literal('medium'),
  Type.Literal('high'),
  Type.Literal('urgent'),
]);

const ProjectName = Type.String({ minLength: 1, maxLength: 200, pattern: NO_NUL });
const ProjectDescription = Type.Union([Type.String({ maxLength: 5000, pattern: NO_NUL }), Type.Null()]);

export const ProjectInputSchema = Type.Object(
  {
    name: ProjectName,
    description: Type.Optional(ProjectDescription),
  },
  { $id: 'ProjectInput', title: 'ProjectInput', additionalProperties: false, examples: [PROJECT_INPUT_EXAMPLE] },
);

export const ProjectSchema = Type.Object(
  {
    id: readOnly(Uuid),
    name: ProjectName,
    description: ProjectDescription,
    ownerId: readOnly(UserId),
    role: readOnly(
      Type.Union([ProjectRoleSchema, Type.Null()], {
        description: "The caller's role in the project; null for an admin who is not a member.",
      }),
    ),
    version: readOnly(Type.Integer({ minimum: 1, description: 'Increases on every change; the ETag carries it.' })),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'Project', title: 'Project', additionalProperties: false, examples: [PROJECT_EXAMPLE] },
);

export const MemberSchema = Type.Object(
  {
    userId: UserId,
    role: readOnly(ProjectRoleSchema),
    email: readOnly(
      Type.Union([Type.String(), Type.Null()], {
        description:
          'Shown to the members of the project only: a user shares it by accepting an invitation, never before.',
      }),
    ),
    createdAt: Timestamp,
  },
  { $id: 'Member', title: 'Member', additionalProperties: false, examples: [MEMBER_EXAMPLE] },
);

export const InvitationInputSchema = Type.Object(
  { userId: UserId },
  {
    $id: 'InvitationInput',
    title: 'InvitationInput',
    additionalProperties: false,
    description:
      'Invites a user by id. The answer is the same whether or not the id belongs to anyone: the user sees the ' +
      'invitation once they sign in, and becomes a member only by accepting it.',
    examples: [INVITATION_INPUT_EXAMPLE],
  },
);

export const InvitationSchema = Type.Object(
  {
    id: readOnly(Uuid),
    projectId: readOnly(Uuid),
    projectName: readOnly(ProjectName),
    inviteeId: readOnly(UserId),
    inviterId: readOnly(UserId),
    createdAt: Timestamp,
  },
  {
    $id: 'Invitation',
    title: 'Invitation',
    additionalProperties: false,
    description:
      'A pending invitation to join a project. It carries no email: the invitee shares theirs with the members ' +
      'by accepting. Accepting, declining or revoking ends it.',
    examples: [INVITATION_EXAMPLE],
  },
);

const TaskTitle = Type.String({ minLength: 1, maxLength: 500, pattern: NO_NUL });
const TaskDescription = Type.Union([Type.String({ maxLength: 10000, pattern: NO_NUL }), Type.Null()]);
const Assignee = Type.Union([UserId, Type.Null()], { description: 'A member of the project, or null.' });
// The validator's date format refuses year 0000, which PostgreSQL's date type cannot store.
const DueDate = Type.Union([Type.String({ format: 'date' }), Type.Null()], {
  description: 'A calendar date, YYYY-MM-DD, from 0001-01-01 on.',
});

export const TaskInputSchema = Type.Object(
  {
    title: TaskTitle,
    description: Type.Optional(TaskDescription),
    status: Type.Optional(TaskStatusSchema),
    priority: Type.Optional(TaskPrioritySchema),
    assigneeId: Type.Optional(Assignee),
    dueDate: Type.Optional(DueDate),
  },
  {
    $id: 'TaskInput',
    title: 'TaskInput',
    additionalProperties: false,
    description: 'Omitted fields take their defaults: status todo, priority medium, the others null.',
    examples: [TASK_INPUT_EXAMPLE],
  },
);

export const TaskSchema = Type.Object(
  {
    id: readOnly(Uuid),
    projectId: readOnly(Uuid),
    title: TaskTitle,
    description: TaskDescription,
    status: TaskStatusSchema,
    priority: TaskPrioritySchema,
    assigneeId: Assignee,
    dueDate: DueDate,
    version: readOnly(Type.Integer({ minimum: 1 })),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'Task', title: 'Task', additionalProperties: false, examples: [TASK_EXAMPLE] },
);

export const MeSchema = Type.Object(
  {
    id: readOnly(UserId),
    email: readOnly(Type.Union([Type.String(), Type.Null()])),
    groups: readOnly(Type.Array(Type.String(), { description: 'Cognito groups from the token.' })),
    createdAt: Timestamp,
  },
  { $id: 'Me', title: 'Me', additionalProperties: false, examples: [ME_EXAMPLE] },
);

export type ProjectInput = Static<typeof ProjectInputSchema>;
export type Project = Static<typeof ProjectSchema>;
export type Member = Static<typeof MemberSchema>;
export type InvitationInput = Static<typeof InvitationInputSchema>;
export type Invitation = Static<typeof InvitationSchema>;
export type TaskInput = Static<typeof TaskInputSchema>;
export type Task = Static<typeof TaskSchema>;
export type Me = Static<typeof MeSchema>;
export type TaskStatus = Static<typeof TaskStatusSchema>;
