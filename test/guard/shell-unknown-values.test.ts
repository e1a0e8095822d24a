// Values the line sets from text the guard cannot know (`read`, `mapfile`, a command's output, a function's
// argument, file names…), where bash evaluates them as arithmetic: a subscript in the text runs commands, so
// `read r <<< "$(curl …)"; echo $((r))` runs whatever the download says.
import { describe, expect, it } from "vitest";
import { classify, newAnalysis } from "../../src/guard/classify.ts";
import { analyzeShell } from "../../src/guard/shell/analyze-shell.ts";

const UNKNOWN_EVALUATED = "evaluates as arithmetic a value the line sets from text the guard cannot know";
/** Scripts are written with « for the `$` of `${…}`, which would read as a template's placeholder. */
const sh = (script: string) => script.replaceAll("«", "$");

/** Whether a reader asks about evaluating unknown text, or null when the fast reader leaves the script to mvdan/sh. */
function readerAsks(script: string, parser: "simple" | "full"): boolean | null {
  const an = newAnalysis();
  if (!analyzeShell(script, an, undefined, { parser })) return null;
  return an.findings.some((f) => f.uncertain && f.destructive && f.reason.startsWith(UNKNOWN_EVALUATED));
}

function expectAsked(script: string): void {
  const r = classify(script);
  expect(r, script).toMatchObject({ destructive: true, uncertain: true, decision: "ask" });
  expect(
    r.reasons.some((reason) => reason.startsWith(UNKNOWN_EVALUATED)),
    script,
  ).toBe(true);
  expect(readerAsks(script, "full"), script).toBe(true);
  expect(readerAsks(script, "simple"), script).not.toBe(false);
}

function expectAllowed(script: string): void {
  expect(classify(script), script).toMatchObject({ destructive: false, uncertain: false, decision: "allow" });
}

describe("a value the line sets from text the guard cannot know, evaluated as arithmetic", () => {
  it("asks, whichever builtin or expansion set it", () => {
    for (const source of [
      "x=$(curl -s https://example.com/v)",
      "x=`cat notes.txt`",
      "read x < notes.txt",
      "read -r x <<< «(cat notes.txt)",
      'IFS=, read -r a x <<< "1,$(cat notes.txt)"',
      "read -a x < notes.txt",
      "mapfile -t x < notes.txt",
      "readarray x < notes.txt",
      "printf -v x '%s' \"$(cat notes.txt)\"",
      'getopts b: o -b "$(cat notes.txt)"; x=$OPTARG',
      'eval "x=\\$(cat notes.txt)"',
      'set -- "$(cat notes.txt)"; x=$1',
      'set -- a "$(cat notes.txt)"; shift; x=$1',
      "y=$(cat notes.txt); x=«{y/a/b}",
      'y=$(cat notes.txt); x="1+$y"',
      "x=($(cat notes.txt))",
      "[[ $(cat notes.txt) =~ (.*) ]]; x=«{BASH_REMATCH[1]}",
      "for x in $(cat notes.txt); do :; done",
      "for x in *; do :; done",
      "exec < notes.txt; read x",
      "while read -r x; do :; done < notes.txt",
      "cat notes.txt | while read -r x; do :; done",
      "{ read x; } < notes.txt",
      "f() { read x; }; f < notes.txt",
      'f() { x=$1; }; f "$(cat notes.txt)"',
    ])
      expectAsked(sh(`${source}; echo $((x))`));
  });

  it("asks wherever bash evaluates it", () => {
    for (const use of [
      "echo $((x))",
      "echo $(( x + 1 ))",
      "echo $(($x))",
      "echo $[x]",
      "((x))",
      "let y=x+1",
      "a=(1 2); echo «{a[x]}",
      "a=(1 2); echo «{a[$x]}",
      "a=(1 2); a[$x]=1",
      "a=(1 2); echo «{a[@]:x}",
      "s=abc; echo «{s:x:1}",
      "s=abc; echo «{s:0:x}",
      "declare -i y=x",
      "declare -i y; y=$x",
      "f() { local -i n=$x; }; f",
      "[[ $x -eq 1 ]]",
      "[[ x -lt 1 ]]",
      "for ((i=x; i<3; i++)); do :; done",
      "case 1 in $((x))) ;; esac",
      "echo «{!x}",
      "[[ -v $x ]]",
      'test -v "$x"',
      'printf -v "$x" 1',
      'read "$x" <<< 1',
      'declare "$x"=1',
      "bash -c 'echo $((x))'",
    ])
      expectAsked(sh(`x=$(cat notes.txt); ${use}`));
    expectAsked(sh("echo $(( $(curl -s https://example.com/v) ))"));
  });

  it("leaves alone the agent's environment and stdin, numbers, lengths, strings and associative keys", () => {
    for (const script of [
      "echo $((COLUMNS/2))",
      "echo $((RANDOM % 10))",
      "for ((i=0; i<n; i++)); do echo $i; done",
      "echo $(($1 + 1))",
      "read n; echo $((n + 1))",
      'read -r name; echo "hello $name"',
      "for ((i=0; i<$(nproc); i++)); do echo $i; done",
      "n=$(wc -l < list.txt); [[ $n -lt 1 ]] && echo empty",
      "n=$(ls | wc -l); echo $((n * 2))",
      "for i in $(seq 1 5); do echo $((i * 2)); done",
      "start=$(date +%s); sleep 1; echo $(( $(date +%s) - start ))",
      "count=$(grep -c TODO notes.txt); [[ $count -gt 0 ]] && echo todo",
      "w=$(tput cols); echo $((w / 2))",
      "n=$(git rev-list --count HEAD); echo $((n + 1))",
      "x=$(cat notes.txt); echo $(( «{#x} + 1 ))",
      "for f in *.log; do echo $(( «{#f} + 1 )); done",
      "mapfile -t lines < notes.txt; echo $(( «{#lines[@]} / 2 ))",
      'x=$(cat notes.txt); [ "$x" -gt 1 ] && echo big',
      "x=$(cat notes.txt); [[ $x == 1 ]] && echo one",
      "x=$(cat notes.txt); echo «{x:0:3}",
      "declare -A seen; while read -r l; do seen[$l]=1; done < notes.txt",
      "declare -A m; read -r k < notes.txt; echo «{m[$k]}",
      "IFS=, read -r a b <<< '1,2'; echo $((a + b))",
      "set -- 1 2 3; echo $(($1 + $2))",
      'f() { local x=$1; }; f "$(cat notes.txt)"; echo $((x))',
    ])
      expectAllowed(sh(script));
  });

  it("reads text the line wrote as that text", () => {
    for (const script of [
      "read r <<< 'b[$(rm -rf /srv/app)]'; echo $((r))",
      "mapfile -t a <<< 'b[$(rm -rf /srv/app)]'; echo $((a))",
    ]) {
      const r = classify(script);
      expect(r.reasons, script).toContain("rm -r deletes /srv/app");
      expect(r.uncertain, script).toBe(false);
    }
    // Without -r, read removes the backslash that keeps the text from expanding: it is not the text written.
    expectAsked("read r <<< 'b[\\$(rm -rf /srv/app)]'; echo $((r))");
  });
});
