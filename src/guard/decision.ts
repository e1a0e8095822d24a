// The policy: environment mismatch and destroyed safety nets are denied, destruction in a protected or unknown
// environment asks a human, everything else is allowed (destructive ones flagged).
import type { Analysis, Finding } from "./analysis.ts";
import { DEFAULT_ENVIRONMENTS, detectEnvironments, environmentOfIntent } from "./environment.ts";
import type { Classification, Decision, GuardContext } from "./types.ts";

const READ_ONLY_INTENT =
  /\b(read|inspect|investigate|look|list|show|check|debug|diagnose|report|count|find|review|monitor|query|analy[sz]e|understand|explore|view|describe|status|audit)\b/i;
const CHANGING_INTENT =
  /\b(delete|drop|remove|clean|cleanup|reset|wipe|purge|destroy|truncate|prune|migrate|rebuild|recreate|restore|fix|repair|deploy|uninstall|rotate|tear|free|reclaim|archive|rollback|revert|replace|overwrite|update|upgrade|change|move|rename)\b/i;
const MAX_REASONS = 12;

export function decide(an: Analysis, context: GuardContext): Classification {
  const environments = context.environments?.length ? context.environments : DEFAULT_ENVIRONMENTS;
  const hits = detectEnvironments(an.texts, environments);
  const taskEnv =
    context.env || (context.intent ? environmentOfIntent(context.intent, environments) : undefined);
  const findings = an.findings;
  const destructive = findings.some((f) => f.destructive);
  const safetyNets = findings.filter((f) => f.destructive && f.safetyNet);
  const uncertain = findings.some((f) => f.uncertain);

  const foreign = taskEnv ? hits.find((h) => h.env.name !== taskEnv) : undefined;
  const target = foreign ?? hits.find((h) => h.env.protected) ?? hits[0];
  const environment = target?.env.name ?? "unknown";

  const reasons: string[] = [];
  let decision: Decision = "allow";
  if (foreign) {
    decision = "deny";
    reasons.push(
      `environment_mismatch: the command points at ${foreign.env.name} (${foreign.via}) but the task is for ${taskEnv}`,
    );
  }
  if (safetyNets.length) {
    decision = "deny";
    reasons.push(
      `safety_net: ${safetyNets[0]!.reason}; destroying backups, snapshots, versioning, locks or audit logs is never allowed`,
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
    if (
      decision === "allow" &&
      context.intent &&
      READ_ONLY_INTENT.test(context.intent) &&
      !CHANGING_INTENT.test(context.intent)
    ) {
      decision = "ask";
      reasons.push(
        `intent_mismatch: the task is to "${context.intent}", which does not call for destroying anything`,
      );
    }
  }
  for (const f of ordered(findings)) {
    if (reasons.length < MAX_REASONS && !reasons.some((r) => r.includes(f.reason))) reasons.push(f.reason);
  }
  const actions = [...new Set(ordered(findings).flatMap((f) => (f.action ? [f.action] : [])))];
  return { destructive, decision, actions, environment, reasons, uncertain };
}

function rank(f: Finding): number {
  return f.safetyNet ? 0 : f.destructive ? 1 : f.uncertain ? 2 : 3;
}

/** Destructive findings first, then uncertain ones, then the rest. */
function ordered(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => rank(a) - rank(b));
}
