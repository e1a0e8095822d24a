// Shell arithmetic that runs commands through variables' values: bash evaluates a name's value as an expression and
// expands an array subscript inside it, so `x='b[$(rm …)]'` runs rm wherever x is read as arithmetic.
import { describe, expect, it } from "vitest";
import { classify, newAnalysis } from "../../src/guard/classify.ts";
import { analyzeShell } from "../../src/guard/shell/analyze-shell.ts";

const RUNS_RM = "x='b[$(rm -rf /srv/app)]'; ";
const RM_REASON = "rm -r deletes /srv/app";
/** Scripts are written with « for the `$` of `${…}`, which would read as a template's placeholder. */
const sh = (script: string) => script.replaceAll("«", "$");

/** What a reader finds destructive, or null when the fast reader leaves the script to mvdan/sh. */
function readerDestroys(script: string, parser: "simple" | "full"): boolean | null {
  const an = newAnalysis();
  if (!analyzeShell(script, an, undefined, { parser })) return null;
  return an.findings.some((f) => f.destructive);
}

describe("arithmetic reading a variable whose value holds a command substitution", () => {
  const evaluated = [
    "a[$x]=1",
    "a[x]=1",
    "a+=([x]=1)",
    "echo «{a[$x]}",
    'echo "«{a[x]}"',
    "a=(1); echo «{#a[x]}",
    "echo «{a[x]:-none}",
    "echo $((x))",
    "echo $(( x + 1 ))",
    "echo $(($x))",
    "echo $[x]",
    "((x))",
    "let x",
    "let y=x",
    "builtin let x",
    "[[ x -eq 0 ]]",
    "[[ $x -lt 1 ]]",
    "[[ -n $HOME && 1 -ne $x ]]",
    "declare -i y=x",
    "declare -i y; y=$x",
    "f() { local -i n=x; }; f",
    "s=abc; echo «{s:x}",
    "s=abc; echo «{s:0:x}",
    "s=abc; echo «{s:$x:1}",
    "for ((i=x; i<3; i++)); do echo $i; done",
    "case 1 in $((x))) echo one;; esac",
    "echo «{!x}",
    "[[ -v $x ]]",
    'printf -v "$x" 1',
    'b=(1); unset "$x"',
  ];

  it("judges the substituted command as run, in every context bash evaluates, with both readers", () => {
    for (const use of evaluated) {
      const script = sh(RUNS_RM + use);
      const r = classify(script);
      expect(r.destructive, script).toBe(true);
      expect(r.reasons, script).toContain(RM_REASON);
      expect(readerDestroys(script, "full"), script).toBe(true);
      expect(readerDestroys(script, "simple"), script).not.toBe(false);
    }
  });

  it("follows a value's names, as bash does, and asks past the depth it follows", () => {
    for (const script of [
      "x=y; y='b[$(rm -rf /srv/app)]'; echo $((x))",
      "x='b[y]'; y='c[$(rm -rf /srv/app)]'; echo $((x))",
      "x='b[`rm -rf /srv/app`]'; echo $((x))",
      "x=$(echo YlskKHJtIC1yZiAvc3J2L2FwcCld | base64 -d); echo $((x))",
    ])
      expect(classify(sh(script)).reasons, script).toContain(RM_REASON);
    const chain = Array.from({ length: 12 }, (_, i) => `v${i + 1}=v${i}`).join("; ");
    const deep = classify(`v0='b[$(rm -rf /srv/app)]'; ${chain}; echo $((v12))`);
    expect(deep).toMatchObject({ destructive: true, uncertain: true });
    expect(classify(`v0=5; ${chain}; echo $((v12))`)).toMatchObject({ destructive: false, uncertain: false });
  });

  it("judges text bash evaluates as given: quoted operands, builtins taking names, single quotes in $((…))", () => {
    for (const script of [
      "[[ 'b[$(rm -rf /srv/app)]' -eq 1 ]]",
      "let 'b[$(rm -rf /srv/app)]'",
      "echo $(( '$(rm -rf /srv/app)' ))",
      "a['$(rm -rf /srv/app)']=1",
      "read 'a[$(rm -rf /srv/app)]' <<< 1",
      "printf -v 'a[$(rm -rf /srv/app)]' '%s' 1",
      "declare 'a[$(rm -rf /srv/app)]=1'",
      "f() { local 'a[$(rm -rf /srv/app)]+=x'; }; f",
      "f() { local -i 'n=b[$(rm -rf /srv/app)]'; }; f",
      "test -v 'a[$(rm -rf /srv/app)]'",
    ])
      expect(classify(sh(script)).reasons, script).toContain(RM_REASON);
  });

  it("leaves alone values without a substitution, the agent's stdin, numbers, and tests that evaluate nothing", () => {
    for (const script of [
      "x='b[1]'; a[$x]=1",
      "x=3; echo $((x + 1)) «{a[x]} «{s:x:1}",
      "x=y; y=7; ((x > 2)) && echo big",
      "read n; echo $((n + 1))",
      "n=$(wc -l < list.txt); [[ $n -lt 1 ]] && echo empty",
      "for f in *.log; do echo $((«{#f} + 1)); done",
      `${RUNS_RM}[[ $x == 0 ]]`,
      `${RUNS_RM}test "$x" -eq 0`,
      `${RUNS_RM}echo "$x" «{#x}`,
      "x='b[\\$(rm -rf /srv/app)]'; echo $((x))",
      "printf '%s\\n' 'a[$(rm -rf /srv/app)]'",
      // A declared name's subscript is evaluated only to assign the element.
      "f() { local 'a[$(rm -rf /srv/app)]'; }; f",
      "declare -a 'a[$(rm -rf /srv/app)]'",
    ])
      expect(classify(sh(script)), script).toMatchObject({
        destructive: false,
        uncertain: false,
        decision: "allow",
      });
  });
});
