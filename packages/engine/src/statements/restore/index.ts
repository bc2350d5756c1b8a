// RESTORE as named stages. Plan (plan.ts): reject unsupported options → resolve the layers (layers.ts) →
// check the targets (targets.ts) → plan each database's unit, foreign keys checked (checks.ts). Run
// (run.ts): restore the units one by one through the source.
export { type RestoreCheckpoint, restoreCheckpoint } from './checkpoint.js';
export { layersAsOf } from './layers.js';
export { planRestore, type RestorePlan, type RestoreUnit } from './plan.js';
export { type RunRestoreOptions, runRestore } from './run.js';
