// The policy: environment mismatch and destroyed safety nets are denied, destruction in a protected or unknown
// environment asks a human, and so does destruction the task's intent does not cover; everything else is allowed.
import type { Analysis, Finding } from "./analysis.ts";
import {
  DEFAULT_ENVIRONMENTS,
  detectEnvironments,
  type EnvironmentHit,
  environmentOfIntent,
  projectEnvironments,
} from "./environment.ts";
import { judgeIntent, unaskedWrite } from "./intent.ts";
import type { Classification, Decision, GuardContext } from "./types.ts";

const MAX_REASONS = 12;
const NO_INTENT =
  "intent_unknown: destructive, and no task intent says it is wanted (LEASH_TOKEN or LEASH_INTENT)";

const isDestructive = (f: Finding) => f.destructive;
const destroysSafetyNet = (f: Finding) => f.destructive && f.safetyNet === true;
const isUncertain = (f: Finding) => f.uncertain === true;
const isProtected = (h: EnvironmentHit) => h.env.protected;

export function decide(an: Analysis, context: GuardContext): Classification {
  const fromProject = context.environmentsFromProject === true && Boolean(context.environments?.length);
  const environments = !context.environments?.length
    ? DEFAULT_ENVIRONMENTS
    : fromProject
      ? projectEnvironments(context.environments)
      : context.environments;
  const hits = detectEnvironments(an.texts, environments, { hintsToo: fromProject });
  const taskEnv =
    context.env || (context.intent ? environmentOfIntent(context.intent, environments) : undefined);
  const findings = an.findings;
  const destructive = findings.some(isDestructive);
  const safetyNet = findings.find(destroysSafetyNet);
  const uncertain = findings.some(isUncertain);

  const foreign = taskEnv ? hits.find((h) => h.env.name !== taskEnv) : undefined;
  const target = foreign ?? hits.find(isProtected) ?? hits[0];
  const environment = target?.env.name ?? "unknown";

  const reasons: string[] = [];
  let decision: Decision = "allow";
  if (foreign) {
    decision = "deny";
    reasons.push(
      `environment_mismatch: the command points at ${foreign.env.name} (${foreign.via}) but the task is for ${taskEnv}`,
    );
  }
  if (safetyNet) {
    decision = "deny";
    reasons.push(
      `safety_net: ${safetyNet.reason}; destroying backups, snapshots, versioning, locks or audit logs is never allowed`,
    );
  } else if (destructive) {
    if (target?.env.protected) {
      if (decision !== "deny") decision = "ask";
      reasons.push(`protected_environment: destructive in ${environment}, which needs a human's approval`);
    } else if (!target) {
      if (decision !== "deny") decision = "ask";
      reasons.push(
        "unknown_environment: destructive, and nothing in the command says which environment it touches",
      );
    } else {
      reasons.push(`destructive in ${environment}, which is not protected`);
    }
    // Destruction must be asked for: without an intent that covers it, a human decides, in any environment.
    const judged = context.intent
      ? judgeIntent(context.intent, findings, an.texts[0] ?? "")
      : { covered: false, reason: NO_INTENT };
    if (context.intentSource) judged.reason += ` [intent from ${context.intentSource}]`;
    if (!judged.covered && decision === "allow") {
      decision = "ask";
      reasons.unshift(judged.reason);
    } else reasons.push(judged.reason);
  }
  const sorted = ordered(findings);
  const actions = actionsOf(sorted);
  if (!destructive && context.intent) {
    const write = unaskedWrite(context.intent, actions);
    if (write) reasons.push(write);
  }
  for (const f of sorted) {
    if (reasons.length < MAX_REASONS && !reasons.some((r) => r.includes(f.reason))) reasons.push(f.reason);
  }
  return { destructive, decision, actions, environment, reasons, uncertain };
}

function actionsOf(sorted: readonly Finding[]): string[] {
  const actions: string[] = [];
  for (const f of sorted) if (f.action && !actions.includes(f.action)) actions.push(f.action);
  return actions;
}

function rank(f: Finding): number {
  return f.safetyNet ? 0 : f.destructive ? 1 : f.uncertain ? 2 : 3;
}

const byRank = (a: Finding, b: Finding) => rank(a) - rank(b);

/** Destructive findings first, then uncertain ones, then the rest. */
function ordered(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(byRank);
}
