// The guard's public surface: classify commands, ask a model for a second opinion, load markers, spot secrets.
export { classify } from "./classify.ts";
export { type DoctorFinding, type DoctorOptions, runDoctor } from "./doctor.ts";
export { loadEnvironmentMarkers, parseEnvironmentMarkers } from "./markers.ts";
export { classifyWithModel, type ModelConfig } from "./model.ts";
export { findSecretPattern, isLongLivedSecretVariable, maskSecret, SECRET_PATTERNS } from "./secrets.ts";
export type { Classification, Decision, EnvironmentMarkers, GuardContext } from "./types.ts";
