// Bash name references: every use of a nameref resolves its target by name, so a target holding a subscript with a
// command substitution (`declare -n r='a[$(rm …)]'`) runs that command wherever r is read, assigned or handed on.
import { describe, expect, it } from "vitest";
import { classify, newAnalysis } from "../../src/guard/classify.ts";
import { analyzeShell } from "../../src/guard/shell/analyze-shell.ts";

const RM_REASON = "rm -r deletes /srv/app";
const TARGET = "'a[$(rm -rf /srv/app)]'";
/** Scripts are written with « for the `$` of `${…}`, which would read as a template's placeholder. */
const sh = (script: string) => script.replaceAll("«", "$");

/** What a reader finds destructive, or null when the fast reader leaves the script to mvdan/sh. */
function readerDestroys(script: string, parser: "simple" | "full"): boolean | null {
  const an = newAnalysis();
  if (!analyzeShell(script, an, undefined, { parser })) return null;
  return an.findings.some((f) => f.destructive);
}

function expectBothReadersDestroy(script: string): void {
  expect(readerDestroys(script, "full"), script).toBe(true);
  expect(readerDestroys(script, "simple"), script).not.toBe(false);
}

describe("a nameref whose target holds a subscript with a command substitution", () => {
  it("judges the command as run, however the nameref is declared and given its target", () => {
    for (const script of [
      `declare -n r=${TARGET}; r=1`,
      `declare -n r=${TARGET}`,
      `typeset -n r=${TARGET}; echo "«{r}"`,
      `declare -gn r=${TARGET}; printf -v r '%s' 1`,
      `declare -n -g r=${TARGET}; read r <<< 1`,
      `f() { local -n r=${TARGET}; r=1; }; f`,
      `declare -n r; r=${TARGET}; echo «{r}`,
      `declare -n r; declare r=${TARGET}; echo $r`,
      `r=${TARGET}; declare -n r; echo $r`,
      `x=${TARGET}; declare -n r=$x; r=5`,
      `declare -n r; for r in x ${TARGET}; do echo $r; done`,
      `declare -n "r=a[\\$(rm -rf /srv/app)]"; echo "$r"`,
      "declare -n r='a[i]'; i='b[$(rm -rf /srv/app)]'; r=1",
      "declare -n a=b; declare -n b='c[$(rm -rf /srv/app)]'; a=1",
      "declare -n r='a[`rm -rf /srv/app`]'; r=1",
      `eval "declare -n r=${TARGET}"; r=1`,
      "c=ls; declare -n r='a[$($c)]'; c='rm -rf /srv/app'; r=1",
      "f() { local -n r='a[i]'; r=1; }; i='b[$(rm -rf /srv/app)]'; f",
      `f() { declare -gn r; }; f; r=${TARGET}; echo $r`,
    ]) {
      const s = sh(script);
      expect(classify(s).reasons, s).toContain(RM_REASON);
      expectBothReadersDestroy(s);
    }
  });

  it("follows assignments and expansions through a nameref to its target", () => {
    for (const script of [
      "declare -n r=x; r='b[$(rm -rf /srv/app)]'; echo $((x))",
      "declare -n r=x; r='b[$(rm -rf /srv/app)]'; echo «{!x}",
      "declare -n r=x; x='b[$(rm -rf /srv/app)]'; echo $((r))",
      "declare -i x; declare -n r=x; r='b[$(rm -rf /srv/app)]'",
      "declare -n r=x; declare -i r; x='b[$(rm -rf /srv/app)]'",
      "c=ls; declare -n r=c; c='rm -rf /srv/app'; $r",
      "declare -n r=x; r='rm -rf /srv/app'; $x",
      "declare -n r; for r in c d; do r='rm -rf /srv/app'; done; $c",
      "declare -n r=x; x=ls; r='rm -rf /srv/app'; $x",
    ]) {
      const s = sh(script);
      expect(classify(s).reasons, s).toContain(RM_REASON);
      expectBothReadersDestroy(s);
    }
  });

  it("keeps a target's value once the nameref may no longer point there", () => {
    for (const script of [
      "y='rm -rf /srv/app'; f() { local -n r=y; }; f; r=ls; $y",
      "x='rm -rf /srv/app'; declare -n r=x; f() { declare -gn r=y; }; f; r=ls; $x",
      "declare -n r=x; x='rm -rf /srv/app'; f() { local r; r=ls; }; f; $x",
      "declare -n r=x; x='rm -rf /srv/app'; unset -n r; r=ls; $x",
      "declare -n r=x; x='rm -rf /srv/app'; declare +n r; r=ls; $x",
      "declare -n r=x; x='rm -rf /srv/app'; eval 'unset -n r'; r=ls; $x",
    ]) {
      expect(classify(script).reasons, script).toContain(RM_REASON);
      expectBothReadersDestroy(script);
    }
  });

  it("asks when the target is only known at run time", () => {
    for (const script of [
      "f() { local -n ref=$1; ref=x; }; f 'a[$(rm -rf /srv/app)]'",
      "read t; declare -n r=$t; r=1",
      "read r; declare -n r; echo $r",
      "declare -n r; read r; echo $r",
      "declare -n r; printf -v r '%s' \"$1\"; echo $r",
      `declare -n r; eval "r=${TARGET}"; echo $r`,
      "declare -n r; for r in $(cat names); do echo $r; done",
      'declare -n "$1"',
      `builtin declare -n r=${TARGET}; r=1`,
      "X=1 declare -n r=arr; r=1",
    ]) {
      expect(classify(script), script).toMatchObject({ destructive: true, decision: "ask" });
      expect(readerDestroys(script, "full"), script).toBe(true);
    }
  });

  it("leaves alone namerefs to plain names and elements, and -n where it is no nameref", () => {
    for (const script of [
      'declare -n r=arr; r[0]=1; echo "«{r[@]}"',
      'declare -n ref; for ref in users orders; do echo "«{#ref[@]}"; done',
      'f() { local -n out=result; out=done; }; f; echo "$result"',
      "declare -n r='arr[0]'; r=5",
      "declare -n r='arr[i]'; i=3; r=1",
      "declare -n r; r=arr; r+=(x)",
      "declare -n r=x; r=ls; $x",
      "declare -n ref; for ref in users orders; do printf '%s\\n' \"«{ref[@]}\"; done",
      "x=y; declare -n r=$x; r=3; echo $y",
      `declare -n r=x; x=${TARGET}; echo "$r"`,
      `r=x; declare -n r; r=${TARGET}; echo «{r}`,
      `export -n r=${TARGET}; echo "$r"`,
      `readonly -n r=${TARGET}; echo "$r"`,
    ])
      expect(classify(sh(script)), script).toMatchObject({
        destructive: false,
        uncertain: false,
        decision: "allow",
      });
  });
});
