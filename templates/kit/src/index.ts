export {
  inputTypeOf,
  loadProtonSchema,
  parseProtonSchema,
  SchemaDocumentError,
  type JsonSchema,
  type ProtonSchemaDocument,
  type TemplateKind,
} from './proton-schema.ts';
export { SpecValidationError, validateSpec } from './validate-spec.ts';
export {
  EnvironmentOutputsError,
  loadEnvironmentOutputs,
  referencedOutput,
  resolveEnvironmentReferences,
  type EnvironmentOutputs,
} from './environment-outputs.ts';
export { findBreakingChanges } from './schema-compatibility.ts';
export {
  checkSchemaHistory,
  loadSchemaHistory,
  type CompatibilityProblem,
  type SchemaHistoryEntry,
} from './schema-history.ts';
export {
  loadEnvironmentSpec,
  loadServiceSpec,
  parseEnvironmentSpec,
  parseServiceSpec,
  SpecFileError,
  type EnvironmentSpecFile,
  type ServiceInstanceSpec,
  type ServiceSpecFile,
} from './load-spec.ts';
export { specsToSynthesize, synthesizeEach, synthTarget, type SynthTarget } from './synth-cli.ts';
export {
  ANY_INDEX,
  CFN_LINT_INSTALL,
  CFN_LINT_VERSION,
  checkTemplatesWithCfnLint,
  CfnLintError,
  describeFinding,
  isCi,
  KNOWN_FALSE_POSITIVES,
  knownFalsePositive,
  locateCfnLint,
  runCfnLint,
  type CfnLintFinding,
  type CfnLintLookup,
  type CfnLintOptions,
  type KnownFalsePositive,
  type LintAssertions,
} from './cfn-lint.ts';
