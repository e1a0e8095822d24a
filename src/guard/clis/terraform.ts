// Infrastructure as code: destroy vs plan -destroy, state surgery, workspaces; pulumi, cdk and serverless alike.
import type { Analysis } from "../analysis.ts";
import { flagSet, parseArgs } from "../args.ts";
import type { CommandAnalyzer, CommandTable, Invocation } from "../command.ts";
import { action, resourceName, splitWords } from "../vocabulary.ts";
import { protectionsOff, safetyNetsSkipped } from "./protection-flags.ts";
import { protectionsEditedOff } from "./setting-edits.ts";
import { leadingPositionals, leadingWords, withSubcommandWords } from "./unjudged-words.ts";
import { shortRetentions } from "./zero-retention.ts";

/**
 * Input variables that switch a protection off (`-var deletion_protection=false`, `TF_VAR_skip_final_snapshot`…), read
 * as the flag of that name would be: the module passes them to the resource's own setting.
 */
function protectionVariablesOff(inv: Invocation, vars: readonly string[]): string[] {
  const pairs: [string, string][] = [];
  for (const v of vars) {
    const at = v.indexOf("=");
    if (at > 0) pairs.push([v.slice(0, at), v.slice(at + 1)]);
  }
  for (const [name, word] of inv.vars) if (name.startsWith("TF_VAR_")) pairs.push([name.slice(7), word.text]);
  const flags = pairs.map(([name, value]): [string, string] => [
    `--${name.toLowerCase().replace(/_/g, "-")}`,
    value.replace(/^["']|["']$/g, ""),
  ]);
  return [...protectionsOff(flags), ...shortRetentions(flags), ...safetyNetsSkipped(flags)];
}

/** Saved plans named for what `plan -destroy -out=…` makes: `destroy.tfplan`, `teardown.plan`. */
const DESTROY_PLAN = /destroy|teardown|tear-down|delete|remove|nuke|decommission/i;

/** `aws_db_instance.main` → database:delete: the provider prefix goes, the type names the resource. */
function targetAction(target: string): string {
  const type = target.replace(/^module\.[^.]+\./, "").split(".")[0] ?? "";
  const words = splitWords(type).slice(1);
  return action(words.length ? resourceName(words) : "infrastructure", "delete");
}

const TERRAFORM_VALUES = flagSet(
  "-chdir",
  "-var",
  "-var-file",
  "-target",
  "-out",
  "-state",
  "-lock-timeout",
  "-parallelism",
  "-replace",
  "-backend-config",
);

function terraform(inv: Invocation, an: Analysis): void {
  const parsed = parseArgs(inv.args, { singleDashLong: true, valueFlags: TERRAFORM_VALUES });
  // `terragrunt run-all destroy`, and its newer spelling `terragrunt run --all [--] destroy`.
  const wrapped =
    parsed.positionals[0] === "run-all" || (inv.name === "terragrunt" && parsed.positionals[0] === "run");
  const positionals = wrapped ? parsed.positionals.slice(1) : parsed.positionals;
  const [sub, second, third] = positionals;
  const tool = inv.name;
  const targets = parsed.values("-target");
  const actions = targets.length ? targets.map(targetAction) : ["infrastructure:delete"];
  if (parsed.has("-help", "--help")) {
    an.harmless(`${tool} -help only prints help`);
    return;
  }
  if (sub === "apply" || sub === "plan" || sub === "import" || sub === "refresh") {
    const off = protectionVariablesOff(inv, parsed.values("-var"));
    if (off.length && sub === "apply")
      an.destroysSafetyNet(
        `${tool} apply sets ${off.join(", ")}, switching a protection off`,
        "deletion-protection:disable",
      );
  }
  switch (sub) {
    case "destroy":
      for (const a of new Set(actions))
        an.destroys(
          `${tool} destroy ${targets.length ? targets.join(" ") : "destroys every managed resource"}${parsed.has("-auto-approve") ? " without prompting" : ""}`,
          a,
        );
      return;
    case "apply":
      if (parsed.has("-destroy")) {
        for (const a of new Set(actions))
          an.destroys(
            `${tool} apply -destroy destroys ${targets.length ? targets.join(" ") : "every managed resource"}`,
            a,
          );
      } else if (parsed.values("-replace").length)
        an.destroys(
          `${tool} apply -replace destroys and recreates ${parsed.values("-replace").join(" ")}, losing its data`,
          "resource:replace",
        );
      else if (second && DESTROY_PLAN.test(second))
        an.destroys(
          `${tool} apply of the saved plan ${second}, named for destroying`,
          "infrastructure:delete",
        );
      else if (second) an.harmless(`${tool} apply of the saved plan ${second}`, "deploy:create");
      else if (parsed.has("-auto-approve"))
        an.uncertain(
          `${tool} apply -auto-approve applies an unreviewed plan, which may replace or delete resources`,
          false,
          "deploy:create",
        );
      else an.harmless(`${tool} apply asks for confirmation first`, "deploy:create");
      return;
    case "state":
      if (second === "rm") an.destroys(`${tool} state rm forgets live resources`, "state:delete");
      else if (second === "push")
        an.destroys(`${tool} state push overwrites the remote state`, "state:overwrite");
      return;
    case "workspace":
      if (second === "delete")
        an.destroys(
          `${tool} workspace delete drops the state for ${third ?? positionals[3] ?? "a workspace"}`,
          "state:delete",
        );
      return;
    case "force-unlock":
      // The lock is there because a run may be writing the state: two writers at once can corrupt it.
      an.uncertain(
        `${tool} force-unlock removes the state lock another run may still hold, so two runs can write the state at once`,
        true,
        "state:overwrite",
      );
      return;
    case "taint":
      an.destroys(
        `${tool} taint forces ${second ?? "a resource"} to be destroyed and recreated`,
        "resource:replace",
      );
      return;
    case "plan":
    case "show":
    case "validate":
    case "init":
    case "fmt":
    case "output":
    case "graph":
    case "providers":
    case "version":
    case "refresh":
      return;
  }
}

const PULUMI_VALUES = flagSet(
  "-s",
  "--stack",
  "-C",
  "--cwd",
  "--target",
  "-t",
  "--config-file",
  "-m",
  "--message",
  "--replace",
  "--target-replace",
);

function pulumi(inv: Invocation, an: Analysis): void {
  const parsed = parseArgs(inv.args, { valueFlags: PULUMI_VALUES });
  const [sub, second] = parsed.positionals;
  if (sub === "destroy" || sub === "down") {
    if (parsed.has("--preview-only")) an.harmless("pulumi destroy --preview-only changes nothing");
    else an.destroys(`pulumi ${sub} deletes every resource in the stack`, "infrastructure:delete");
  } else if (sub === "state" && second === "unprotect")
    an.destroysSafetyNet(
      "pulumi state unprotect lifts the protection that keeps a resource from being deleted",
      "deletion-protection:disable",
    );
  else if (sub === "stack" && (second === "rm" || second === "remove"))
    an.destroys("pulumi stack rm deletes the stack and its state", "state:delete");
  else if (sub === "state" && (second === "delete" || second === "rm"))
    an.destroys("pulumi state delete forgets live resources", "state:delete");
  else if (sub === "up" || sub === "update") {
    const replaced = parsed.values("--replace", "--target-replace");
    if (replaced.length && !parsed.has("--preview-only"))
      an.destroys(
        `pulumi ${sub} --replace destroys and recreates ${replaced.join(" ")}, losing its data`,
        "resource:replace",
      );
    else if (parsed.has("-y", "--yes", "--skip-preview"))
      an.uncertain(`pulumi ${sub} --yes applies without a reviewed preview`, false, "deploy:create");
    else an.harmless(`pulumi ${sub} previews and asks first`, "deploy:create");
  } else if (sub === "config" && second === "set") {
    // `pulumi config set aws:deletionProtection false`: the next `pulumi up` passes it to the resource.
    const [key, value] = parsed.positionals.slice(2);
    const off = key && value ? protectionsEditedOff(`${key.split(":").pop()}=${value}`) : [];
    if (off.length)
      an.destroysSafetyNet(
        `pulumi config set ${key} ${value} switches a protection off for the next update`,
        "deletion-protection:disable",
      );
  }
}

/** A CLI whose command is its first `depth` words (`copilot svc delete`); the rest name stacks and functions. */
const destroyingSubcommand = (subs: readonly string[], what: string, depth = 1): CommandAnalyzer =>
  withSubcommandWords(
    (inv, an) => {
      const words = inv.args.filter((a) => !a.startsWith("-")).slice(0, depth);
      const sub = words.find((w) => subs.includes(w));
      if (sub) an.destroys(`${inv.name} ${words.join(" ")} ${what}`, "infrastructure:delete");
    },
    (inv) => inv.args.filter((a) => !a.startsWith("-")).slice(0, depth),
  );

const TERRAFORM_GROUPS = new Set(["state", "workspace", "providers", "metadata"]);
/** terraform's command, and a group's own subcommand (`state rm`); the rest are addresses, workspaces and outputs. */
const terraformJudged = withSubcommandWords(terraform, (inv) => {
  const words = parseArgs(leadingWords(inv.args), {
    singleDashLong: true,
    valueFlags: TERRAFORM_VALUES,
  }).positionals;
  const from = words[0] === "run-all" || (inv.name === "terragrunt" && words[0] === "run") ? 1 : 0;
  return words.slice(from, from + (TERRAFORM_GROUPS.has(words[from] ?? "") ? 2 : 1));
});

export const terraformCommands: CommandTable = {
  terraform: terraformJudged,
  tofu: terraformJudged,
  terragrunt: terraformJudged,
  pulumi: withSubcommandWords(pulumi, leadingPositionals(2, PULUMI_VALUES)),
  cdk: destroyingSubcommand(["destroy"], "deletes the stacks"),
  cdktf: destroyingSubcommand(["destroy"], "deletes the stacks"),
  serverless: destroyingSubcommand(["remove"], "deletes the deployed service"),
  sls: destroyingSubcommand(["remove"], "deletes the deployed service"),
  sam: destroyingSubcommand(["delete"], "deletes the stack"),
  copilot: destroyingSubcommand(["delete"], "deletes the application, environment or service", 2),
};
