// kubectl/oc and helm: deleting namespaces, volumes and releases, forced replacement, pruning applies, reclaim
// policies switched to Delete, and commands run inside pods.
import type { Analysis } from "../analysis.ts";
import { flagSet, parseArgs } from "../args.ts";
import { type CommandTable, type Invocation, stdinText, tailWords } from "../command.ts";
import { action, namesSafetyNet, resourceName } from "../vocabulary.ts";
import { copyIntoContainer } from "./docker.ts";
import { judgeSecretWrite } from "./secret-writes.ts";
import { protectionsEditedOff } from "./setting-edits.ts";
import { leadingWords, withSubcommandWords } from "./unjudged-words.ts";

const KUBECTL_VALUES = flagSet(
  "-n",
  "--namespace",
  "--context",
  "--cluster",
  "--user",
  "-o",
  "--output",
  "-l",
  "--selector",
  "-f",
  "--filename",
  "-c",
  "--container",
  "--kubeconfig",
  "-s",
  "--server",
  "--token",
  "--as",
  "-p",
  "--patch",
  "--type",
  "--field-selector",
  "--grace-period",
  "--timeout",
  "--replicas",
  "--dry-run",
  "--cascade",
  "-k",
  "--kustomize",
  "--patch-file",
  "--image",
  "--request-timeout",
);

const isDryRun = (value: string | undefined, present: boolean) =>
  present && value !== "none" && value !== "false";

const KIND_ACTIONS: [RegExp, string][] = [
  [/^(ns|namespaces?)$/, "namespace:delete"],
  [/^(pvc|pv|persistentvolumeclaims?|persistentvolumes?)$/, "volume:delete"],
  [/^(volumesnapshots?|vs|volumesnapshotcontents?)$/, "snapshot:delete"],
  [/^(secrets?|configmaps?|cm)$/, "variable:delete"],
  [/^(deploy|deployments?|sts|statefulsets?|ds|daemonsets?|svc|services?)$/, "service:delete"],
  [/^(crd|crds|customresourcedefinitions?)$/, "crd:delete"],
];

const SECRET_KIND = /^secrets?(?:\.v1)?(?:[/ ]|$)/i;
const CONFIG_MAP_KIND = /^(?:cm|configmaps?)(?:\.v1)?(?:[/ ]|$)/i;
/** Keys and file names that hold credentials. */
const CREDENTIAL =
  /secret|passw|credential|token|api[-_]?key|private[-_]?key|\.pem\b|dsn|connection[-_]?string/i;
/** A manifest (YAML or JSON) that declares a Secret. */
const SECRET_MANIFEST = /^\s*kind:\s*["']?Secret\b|"kind"\s*:\s*"Secret"/m;
const NO_VERSIONS = "Kubernetes keeps no earlier value of a Secret or ConfigMap (no versions to go back to)";

/**
 * What a patch, edit, apply or replace writes that holds credentials: a Secret named on the command line, a ConfigMap
 * whose patch sets a credential, manifests whose file names or contents say Secret (`kubectl create secret …
 * --dry-run=client -o yaml | kubectl apply -f -`). Null when it names none.
 */
function credentialWrite(
  inv: Invocation,
  kind: string,
  patch: string,
  files: readonly string[],
): string | null {
  if (SECRET_KIND.test(kind)) return `a Secret (${kind})`;
  if (CONFIG_MAP_KIND.test(kind) && CREDENTIAL.test(patch)) return `a credential in a ConfigMap (${kind})`;
  for (const file of files) {
    if (file === "-") {
      const manifest = stdinText(inv) ?? "";
      if (SECRET_MANIFEST.test(manifest) || /\bcreate\s+secret\b|kind:\s*Secret\b/.test(inv.stdinHint))
        return "a Secret from stdin";
    } else if (CREDENTIAL.test(file.slice(file.lastIndexOf("/") + 1))) return `the manifests in ${file}`;
  }
  return null;
}

/** What replace, apply and patch destroy whatever they write: forced recreation, pruning, removals, reclaim policies. */
function kubectlWrite(
  verb: string,
  parsed: ReturnType<typeof parseArgs>,
  target: string,
  an: Analysis,
): void {
  if (verb === "replace") {
    if (parsed.has("--force"))
      an.destroys("kubectl replace --force deletes and recreates the resource", "resource:replace");
  } else if (verb === "apply") {
    if (parsed.has("--prune"))
      an.destroys("kubectl apply --prune deletes resources missing from the manifests", "resource:delete");
    else if (parsed.has("--force"))
      an.destroys(
        "kubectl apply --force deletes and recreates resources it cannot patch",
        "resource:replace",
      );
    else an.harmless("kubectl apply", "deploy:create");
  } else if (verb === "patch") {
    const patch = parsed.value("-p", "--patch") ?? "";
    if (/persistentVolumeReclaimPolicy\W+Delete/i.test(patch))
      an.destroysSafetyNet(
        "sets the volume's reclaim policy to Delete, so releasing it destroys the data",
        "volume:retention-disable",
      );
    else if (CLEARS_FINALIZERS.test(patch))
      an.destroysSafetyNet(
        "clears the finalizers (pvc-protection and the like), so a pending deletion goes through unguarded",
        "deletion-protection:disable",
      );
    else if (/deletionPolicy\W+Delete/i.test(patch))
      an.destroysSafetyNet(
        "sets the deletion policy to Delete, so deleting the claim or snapshot destroys the data behind it",
        "volume:retention-disable",
      );
    else if (/"op"\s*:\s*"remove"/.test(patch)) an.destroys("JSON patch removes fields", "resource:update");
    else if (/"?suspend"?\s*:\s*true/.test(patch) && namesSafetyNet(target.replace(/[/_.-]/g, " ")))
      an.destroysSafetyNet(`kubectl patch suspends ${target}, so its backups stop`, "backup:disable");
  }
}

/** `"finalizers": null`, `"finalizers": []`, or a JSON patch removing /metadata/finalizers. */
const CLEARS_FINALIZERS = /finalizers"?\s*:\s*(?:null|\[\s*\])|"path"\s*:\s*"\/metadata\/finalizers/i;
/** Annotations that keep a resource when its release or owner goes: `helm.sh/resource-policy=keep`. */
const KEEP_ANNOTATION =
  /^(?:helm\.sh\/resource-policy|argocd\.argoproj\.io\/sync-options|kustomize\.toolkit\.fluxcd\.io\/prune)-$/;

/** `kubectl annotate X helm.sh/resource-policy-` removes the keep: the next uninstall deletes the resource. */
function kubectlAnnotate(positionals: readonly string[], an: Analysis): void {
  const removed = positionals.find((p) => KEEP_ANNOTATION.test(p));
  if (removed)
    an.destroysSafetyNet(
      `kubectl annotate ${removed} removes the annotation that keeps the resource when its release is uninstalled`,
      "deletion-protection:disable",
    );
}

/**
 * Pod Security Admission's enforcing label removed (`pod-security.kubernetes.io/enforce-`) or set to `privileged`:
 * the namespace then admits pods that escape to the node.
 */
function kubectlLabel(positionals: readonly string[], an: Analysis): void {
  const dropped = positionals.find((p) => /^pod-security\.kubernetes\.io\/enforce(?:-|=privileged)$/.test(p));
  if (dropped)
    an.destroys(
      `kubectl label ${dropped} switches the namespace's pod security enforcement off`,
      "security:disable",
    );
}

function kubectl(inv: Invocation, an: Analysis): void {
  const parsed = parseArgs(inv.args, { valueFlags: KUBECTL_VALUES });
  const [verb, ...rest] = parsed.positionals;
  const dryRun = isDryRun(parsed.value("--dry-run"), parsed.has("--dry-run"));
  switch (verb) {
    case "delete": {
      if (dryRun) {
        an.harmless("kubectl delete --dry-run deletes nothing");
        return;
      }
      const targets = rest.length
        ? rest
        : parsed.values("-f", "--filename", "-k", "--kustomize").map((f) => `resources in ${f}`);
      const kinds = (rest[0] ?? "").split("/")[0]!.split(",");
      const actions = kinds.map(
        (k) =>
          KIND_ACTIONS.find(([re]) => re.test(k.toLowerCase()))?.[1] ??
          action(resourceName([k.toLowerCase() || "resource"]), "delete"),
      );
      const shown =
        targets.join(" ") + (parsed.has("--all", "-A", "--all-namespaces") ? " (all of them)" : "");
      for (const a of new Set(actions)) {
        if (a === "snapshot:delete")
          an.destroysSafetyNet(`kubectl delete ${shown} deletes volume snapshots`, a);
        else an.destroys(`kubectl delete ${shown}`, a);
      }
      return;
    }
    case "replace":
    case "apply":
    case "patch":
    case "edit": {
      if (dryRun) return;
      const files = parsed.values("-f", "--filename");
      const target = rest[0]?.includes("/") ? rest[0] : rest.slice(0, 2).join(" ");
      const written = credentialWrite(inv, target, parsed.value("-p", "--patch") ?? "", files);
      if (written) judgeSecretWrite(`kubectl ${verb} of ${written}`, null, NO_VERSIONS, an);
      kubectlWrite(verb, parsed, target ?? "", an);
      return;
    }
    case "exec":
    case "run":
    case "debug": {
      // `kubectl run x --image=postgres -- psql -c …`, `kubectl debug node/x -- chroot /host …`: the words after
      // `--` run in the pod.
      const command = parsed.rest.length ? tailWords(inv, parsed.rest.length) : [];
      an.note(command.map((w) => w.text).join(" "));
      if (command.length || verb === "exec") inv.run(command, { stdin: inv.stdin, piped: inv.piped });
      return;
    }
    case "rsh": {
      // `oc rsh POD COMMAND…`: the words after the pod run in it.
      const inner = parseArgs(inv.args.slice(inv.args.indexOf("rsh") + 1), {
        valueFlags: flagSet("-c", "--container", "--shell", "-n", "--namespace"),
        stopAtPositional: true,
      });
      const command = tailWords(inv, Math.max(inner.rest.length - 1, 0));
      if (command.length) inv.run(command, { stdin: inv.stdin, piped: inv.piped });
      return;
    }
    case "drain":
      if (dryRun) return;
      if (parsed.has("--delete-emptydir-data", "--delete-local-data"))
        an.destroys("kubectl drain --delete-emptydir-data deletes the pods' emptyDir data", "pod:delete");
      else if (parsed.has("--force"))
        an.destroys(
          "kubectl drain --force deletes pods no controller manages; nothing recreates them",
          "pod:delete",
        );
      else if (parsed.has("--disable-eviction"))
        an.destroys(
          "kubectl drain --disable-eviction deletes pods past their disruption budgets",
          "pod:delete",
        );
      return;
    case "cp":
      copyIntoContainer(inv, rest);
      return;
    case "scale":
      return;
    case "annotate":
      if (!dryRun) kubectlAnnotate(rest, an);
      return;
    case "label":
      if (!dryRun) kubectlLabel(rest, an);
      return;
    default:
      if (verb && namesSafetyNet(verb)) an.uncertain(`kubectl ${verb} touches a safety net`, false);
  }
}

/**
 * The words that name what kubectl or helm does: its command, and a group's own subcommand (`kubectl config
 * delete-context`, `helm repo remove`); a plugin's words (`kubectl cnpg destroy`, `helm s3 delete`) may all be
 * subcommands. The rest name resources and releases.
 */
function subcommandWords(
  valueFlags: ReadonlySet<string>,
  builtins: ReadonlySet<string>,
  groups: ReadonlySet<string>,
) {
  return (inv: Invocation): readonly string[] => {
    const parsed = parseArgs(inv.args, { valueFlags });
    const words = parsed.positionals.slice(0, parsed.positionals.length - parsed.rest.length);
    const verb = words[0] ?? "";
    return !builtins.has(verb) ? words : groups.has(verb) ? words.slice(0, 2) : [verb];
  };
}

/** kubectl's own commands; any other first word names a plugin (`kubectl krew`, `kubectl cnpg`). */
const KUBECTL_BUILTINS = new Set(
  (
    "create expose run set explain get edit delete rollout scale autoscale certificate cluster-info top cordon " +
    "uncordon drain taint describe logs attach exec port-forward proxy cp auth debug events diff apply patch " +
    "replace wait kustomize label annotate completion alpha api-resources api-versions config plugin version " +
    "options rsh new-project project projects login logout whoami status adm policy start-build new-app process"
  ).split(" "),
);
/** Commands whose second word is a subcommand of theirs (`kubectl config delete-context`). */
const KUBECTL_GROUPS = new Set("config rollout certificate auth plugin set top alpha adm policy".split(" "));
/** helm's own commands; any other names a plugin (`helm s3 delete`). */
const HELM_BUILTINS = new Set(
  (
    "completion create dependency env get help history install lint list package plugin pull push registry repo " +
    "rollback search show status template test uninstall delete del un upgrade verify version"
  ).split(" "),
);
const HELM_GROUPS = new Set("plugin repo registry dependency get show search".split(" "));

const HELM_VALUES = flagSet(
  "-n",
  "--namespace",
  "--kube-context",
  "--kubeconfig",
  "-f",
  "--values",
  "--set",
  "--set-string",
  "--set-json",
  "--set-literal",
  "--set-file",
  "--version",
  "--timeout",
  "-o",
  "--output",
  "--repo",
);

function helm(inv: Invocation, an: Analysis): void {
  const parsed = parseArgs(inv.args, { valueFlags: HELM_VALUES });
  const [verb, release] = parsed.positionals;
  if (verb === "uninstall" || verb === "delete" || verb === "del" || verb === "un") {
    if (parsed.has("--dry-run")) an.harmless("helm uninstall --dry-run removes nothing");
    else
      an.destroys(
        `helm ${verb} removes the release ${release ?? ""} and the resources it created`.trim(),
        "release:delete",
      );
  } else if (
    (verb === "upgrade" || verb === "rollback") &&
    // Helm 4 spells --force --force-replace.
    parsed.has("--force", "--force-replace") &&
    !parsed.has("--dry-run")
  )
    an.destroys(
      `helm ${verb} --force deletes and recreates resources that cannot be patched, with what they held`,
      "resource:replace",
    );
  else if ((verb === "install" || verb === "upgrade") && !parsed.has("--dry-run")) {
    const off = valuesSwitchingProtectionOff(parsed);
    if (off.length)
      an.destroysSafetyNet(
        `helm ${verb} sets ${off.join(", ")}, switching a protection off`,
        "deletion-protection:disable",
      );
    else an.harmless(`helm ${verb}`, "deploy:create");
  }
}

/** Chart values that switch a protection off: `--set cluster.deletionProtection=false`, `--set backup.retention=0`. */
function valuesSwitchingProtectionOff(parsed: ReturnType<typeof parseArgs>): string[] {
  return parsed
    .values("--set", "--set-string", "--set-json", "--set-literal")
    .flatMap((v) => v.split(","))
    .flatMap(protectionsEditedOff);
}

const kubectlJudged = withSubcommandWords(
  kubectl,
  subcommandWords(KUBECTL_VALUES, KUBECTL_BUILTINS, KUBECTL_GROUPS),
);

/**
 * kops previews what `delete cluster` and `delete instancegroup` would remove unless told `--yes`; only then does it
 * delete the cluster's machines and volumes.
 */
function kops(inv: Invocation, an: Analysis): void {
  const [verb] = leadingWords(inv.args).filter((a) => !a.startsWith("-"));
  if (verb !== "delete") return;
  if (leadingWords(inv.args).some((a) => a === "--yes" || a === "-y" || a === "--yes=true"))
    an.destroys("kops delete --yes deletes the cluster's resources", "cluster:delete");
  else an.harmless("kops delete without --yes only previews what it would delete");
}

export const kubernetesCommands: CommandTable = {
  kops: withSubcommandWords(kops, (inv) => inv.args.filter((a) => !a.startsWith("-")).slice(0, 1)),
  kubectl: kubectlJudged,
  oc: kubectlJudged,
  k: kubectlJudged,
  helm: withSubcommandWords(helm, subcommandWords(HELM_VALUES, HELM_BUILTINS, HELM_GROUPS)),
};
