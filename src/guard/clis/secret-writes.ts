// Writes that replace a secret's current value (`doppler secrets set`, `vault kv put`, `gh secret set`…). Like any
// overwrite, they lose the old value unless the store keeps it: where it keeps earlier versions the write is harmless
// and says so; where it keeps none, or the guard cannot tell, the write may lose a value it cannot see, so a human is
// asked (uncertain, destructive).
import type { Analysis } from "../analysis.ts";
import type { VerbCall, VerbRule } from "./verb-cli.ts";

/** How the store keeps the value a write replaces; null when it keeps none or may keep none. */
type Kept = string | null;

/** The reason and finding for one secret write; `lost` says why the old value may be gone when nothing keeps it. */
export function judgeSecretWrite(shown: string, kept: Kept, lost: string, an: Analysis): void {
  if (kept) an.harmless(`${shown} replaces a secret's current value; ${kept}`, "secret:overwrite");
  else
    an.uncertain(
      `${shown} replaces a secret's current value if it exists, and ${lost}`,
      true,
      "secret:overwrite",
    );
}

/**
 * Rule helper: positionals starting with `words` (`secrets set`) write a secret; `kept` says how the store keeps the
 * earlier value (null: it keeps none, and `lost` says so).
 */
export function secretWrite(words: RegExp, kept: Kept, lost = ""): VerbRule {
  const shown = (c: VerbCall) => `${c.inv.name} ${words.exec(c.parsed.positionals.join(" "))?.[0] ?? ""}`;
  return {
    when: (c) => words.test(c.parsed.positionals.join(" ")),
    apply: (c, an) => judgeSecretWrite(shown(c), kept, lost, an),
    final: true,
  };
}

/** `vault kv put -cas=0` writes only when the path holds nothing yet. */
const CHECK_AND_SET_NEW = /^--?cas(?:=0)?$/;

/**
 * vault: KV version 2 keeps earlier versions, version 1 overwrites in place, and the command does not say which
 * engine the path is on; `kv patch` exists only in version 2. `-cas=0` refuses to overwrite.
 */
export const vaultSecretWrites: readonly VerbRule[] = [
  {
    when: (c) => /^kv put\b/.test(c.parsed.positionals.join(" ")),
    apply: (c, an) => {
      const args = c.inv.args;
      const newOnly = args.some(
        (a, i) => CHECK_AND_SET_NEW.test(a) && (a.endsWith("=0") || args[i + 1] === "0"),
      );
      if (newOnly)
        an.harmless("vault kv put -cas=0 writes only a secret that does not exist yet", "secret:create");
      else
        judgeSecretWrite(
          "vault kv put",
          null,
          "a KV version 1 engine keeps no earlier value (the command does not say which version the path is on)",
          an,
        );
    },
    final: true,
  },
  secretWrite(/^kv patch\b/, "only KV version 2 patches, and it keeps the earlier versions"),
  {
    // KV version 2 keeps -max-versions versions; one means every earlier version is deleted (0 is the default, 10).
    when: (c) =>
      /^kv metadata put\b/.test(c.parsed.positionals.join(" ")) &&
      c.inv.args.some(
        (a, i) => /^--?max-versions(?:=1)?$/.test(a) && (a.endsWith("=1") || c.inv.args[i + 1] === "1"),
      ),
    apply: (_c, an) =>
      an.destroysSafetyNet(
        "vault kv metadata put -max-versions=1 keeps only the latest version, deleting the earlier ones",
        "versioning:disable",
      ),
    final: true,
  },
  secretWrite(
    /^write (?:secret|kv)\//,
    null,
    "a KV version 1 engine keeps no earlier value (the command does not say which version the path is on)",
  ),
];
