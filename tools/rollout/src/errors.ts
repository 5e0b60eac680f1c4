/**
 * A rollout step cannot go on, for a reason the message tells the operator (a missing flag, a group
 * without a launch template, failed migrations). The CLI prints the message and exits 1 (run-cli.ts).
 */
export class RolloutError extends Error {
  override name = 'RolloutError';
}
