export {
  UNKNOWN,
  InvalidHistoryError,
  isUnknown,
  returned,
  timedOut,
  type History,
  type InvalidHistoryErrorCode,
  type Operation,
  type Unknown,
} from './linearizability/history.js';
export type { Model, StepResult } from './linearizability/model.js';
export type { BudgetExhaustion } from './linearizability/budget.js';
export type { Violation } from './linearizability/explain.js';
export {
  DEFAULT_MAX_STEPS,
  checkLinearizability,
  type CheckOptions,
  type LinearizabilityResult,
} from './linearizability/checker.js';
export {
  applyKvCommand,
  describeKvOperation,
  kvModel,
  kvResultsEqual,
  type CasResult,
  type KvCas,
  type KvCommand,
  type KvDelete,
  type KvGet,
  type KvPut,
  type KvResult,
  type KvResults,
  type KvTransition,
  type KvValue,
} from './kv/kv-model.js';
export {
  KV_SNAPSHOT_VERSION,
  KvSnapshotError,
  KvStateMachine,
  createKvStateMachine,
  readKv,
  type KvQuery,
} from './kv/kv-state-machine.js';
