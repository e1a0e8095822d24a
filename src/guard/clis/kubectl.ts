// kubectl/oc and helm: deleting namespaces, volumes and releases, forced replacement, pruning applies, reclaim
// policies switched to Delete, and commands run inside pods.
import type { Analysis } from "../analysis.ts";
import { flagSet, parseArgs } from "../args.ts";
import { type CommandTable, type Invocation, tailWords } from "../command.ts";
import { action, namesSafetyNet, resourceName } from "../vocabulary.ts";

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
      if (parsed.has("--force") && !dryRun)
        an.destroys("kubectl replace --force deletes and recreates the resource", "resource:replace");
      return;
    case "apply":
      if (dryRun) return;
      if (parsed.has("--prune"))
        an.destroys("kubectl apply --prune deletes resources missing from the manifests", "resource:delete");
      else if (parsed.has("--force"))
        an.destroys(
          "kubectl apply --force deletes and recreates resources it cannot patch",
          "resource:replace",
        );
      else an.harmless("kubectl apply", "deploy:create");
      return;
    case "patch": {
      const patch = parsed.value("-p", "--patch") ?? "";
      if (/persistentVolumeReclaimPolicy\W+Delete/i.test(patch))
        an.destroysSafetyNet(
          "sets the volume's reclaim policy to Delete, so releasing it destroys the data",
          "volume:retention-disable",
        );
      else if (/"op"\s*:\s*"remove"/.test(patch)) an.destroys("JSON patch removes fields", "resource:update");
      return;
    }
    case "exec": {
      const command = parsed.rest.length ? tailWords(inv, parsed.rest.length) : [];
      an.note(command.map((w) => w.text).join(" "));
      inv.run(command, { stdin: inv.stdin, piped: inv.piped });
      return;
    }
    case "scale":
      return;
    default:
      if (verb && namesSafetyNet(verb)) an.uncertain(`kubectl ${verb} touches a safety net`, false);
  }
}

const HELM_VALUES = flagSet(
  "-n",
  "--namespace",
  "--kube-context",
  "--kubeconfig",
  "-f",
  "--values",
  "--set",
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
  else if (verb === "install" || verb === "upgrade") an.harmless(`helm ${verb}`, "deploy:create");
}

export const kubernetesCommands: CommandTable = { kubectl, oc: kubectl, k: kubectl, helm };
