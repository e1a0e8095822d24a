// Values that depend on which way a line went: past an if, a case, `&&`/`||`, a loop or a function that may return
// early, a variable holds every value some way left it, and each is read where the variable is expanded.
import { describe, expect, it } from "vitest";
import { classify } from "../../src/guard/classify.ts";
import {
  expectHarmless,
  expectReadersAgree,
  expectRm,
  RM,
  RM_REASON,
  readShell,
} from "../helpers/shell-readers.ts";

/** The commands run, as the fast reader and mvdan/sh both read them. */
function commands(script: string): string[] {
  expectReadersAgree(script);
  return readShell(script, "full").trace.map((e) => e.argv.map((w) => w.text).join(" "));
}

describe("a variable past a branch", () => {
  it("holds the value of every branch of an if, elif and else, and the one before when a branch may not run", () => {
    expectRm(`if test -f x; then c=${RM}; else c=ls; fi; $c`);
    expectRm(`if test -f x; then c=ls; else c=${RM}; fi; $c`);
    expectRm(`if test -f x; then c=ls; elif test -f y; then c=${RM}; else c=pwd; fi; $c`);
    expectRm(`c=${RM}; if test -f x; then c=ls; fi; $c`);
    expectRm(`c=${RM}; if test -f x; then c=ls; elif test -f y; then c=pwd; fi; $c`);
  });

  it("holds the value of every case item, of one an item falls through to, and the one before when none may match", () => {
    expectRm(`case $1 in a) c=${RM};; *) c=ls;; esac; $c`);
    expectRm(`c=${RM}; case $1 in a) c=ls;; esac; $c`);
    expectRm(`case $1 in a) c=${RM} ;& b) : ;; esac; $c`);
    expectRm(`case $1 in a) c=${RM} ;;& b) : ;; esac; $c`);
  });

  it("reads what follows `&&` from where the list succeeded and what follows `||` from where it failed", () => {
    expectRm(`test -f x && c=${RM} || c=ls; $c`);
    expectRm(`test -f x && c=ls || c=${RM}; $c`);
    expectRm(`c=${RM}; test -f x && c=ls; $c`);
    expectRm(`c=ls; test -f x || { c=${RM}; }; $c`);
    // After `a && c=ls || c=pwd` c is ls or pwd: never the value from before.
    expectHarmless(`c=${RM}; test -f x && c=ls || c=pwd; $c`);
  });

  it("reads a list of tens of thousands of commands to its end, whatever joins them", () => {
    for (const joiner of ["true && ", "false || ", "true; "])
      expect(classify(`${joiner.repeat(20_000)}rm -rf /srv/app`).reasons, joiner).toContain(RM_REASON);
  });

  it("keeps apart values that two ways join to the same text", () => {
    // One way leaves x holding `ls` or `rm -rf /srv/app`, the other `ls rm` or `-rf /srv/app`: both read "ls rm -rf
    // /srv/app" when joined, but only the first runs rm.
    expectRm(
      "if a; then if b; then x='ls rm'; else x='-rf /srv/app'; fi; else if b; then x=ls; else x='rm -rf /srv/app'; fi; fi; $x",
    );
    expectHarmless(
      "if a; then if b; then x='git status'; else x=ls; fi; else if b; then x=git; else x='status ls'; fi; fi; $x",
    );
  });

  it("reads every value where it is a command, an argument, text a program runs, or arithmetic", () => {
    expectRm("if test -f x; then c=rm; else c=echo; fi; $c -rf /srv/app");
    expectRm('if test -f x; then t=/srv/app; else t=/tmp/x; fi; rm -rf "$t"');
    expectRm(`if test -f x; then c=${RM}; else c=ls; fi; bash -c "$c"`);
    expectRm(`if test -f x; then c=${RM}; else c=ls; fi; eval "$c"`);
    expectRm(`if test -f x; then c=${RM}; else c=ls; fi; d=$c; $d`);
    expectRm(`if test -f x; then c=${RM}; else c=ls; fi; export D="$c"; $D`);
    expectRm(`if test -f x; then c=${RM}; else c=ls; fi; f() { $c; }; f`);
    expectRm(`if test -f x; then c=${RM}; else c=ls; fi; alias go="$c"; go`);
    expectRm("if test -f x; then n=5; else n='a[$(rm -rf /srv/app)]'; fi; echo $((n))");
    expect(
      classify(`if test -f x; then q='DROP TABLE users'; else q='SELECT 1'; fi; psql -c "$q"`),
    ).toMatchObject({ destructive: true });
  });

  it("reads each combination of the values a command's variables may hold, once", () => {
    expect(
      commands("if test -f x; then a=1; else a=2; fi; if test -f y; then b=3; else b=4; fi; echo $a$b"),
    ).toEqual(["test -f x", "test -f y", "echo 13", "echo 14", "echo 23", "echo 24"]);
  });

  it("asks about a file whose text depends on the branch that wrote it", () => {
    expect(
      classify(`if test -f x; then echo ${RM} > run.sh; else echo ls > run.sh; fi; bash run.sh`),
    ).toMatchObject({ destructive: true, decision: "ask" });
  });
});

describe("a variable past a loop", () => {
  it("holds every item of a for or select loop", () => {
    expectRm(`for c in ${RM} ls; do :; done; $c`);
    expectRm(`for c in ls ${RM}; do :; done; $c`);
    expect(classify(`PS3='pick: '; select c in ${RM} ls; do break; done; $c`).reasons).toContain(RM_REASON);
  });

  it("reads the body again with the values an iteration left, as the next iteration does", () => {
    expectRm(`c=ls; while read -r l; do $c; c=${RM}; done < jobs.txt`);
    expectRm(`a=ls; b=ls; while read -r l; do $b; b=$a; a=${RM}; done < jobs.txt`);
    expectRm(`c=ls; until test -f x; do $c; c=${RM}; done`);
    expectRm(`c=ls; for ((i=0; i<3; i++)); do $c; c=${RM}; done`);
    expectRm(`c=${RM}; while false; do c=ls; done; $c`);
  });

  it("follows break, break N and continue out of the body", () => {
    expectRm(`c=a; for i in 1 2; do c=${RM}; if test -f x; then break; fi; c=ls; done; $c`);
    expectRm(`c=ls; for i in 1 2; do for j in 1; do c=${RM}; break 2; done; c=ls; done; $c`);
    expectRm(`c=ls; for i in 1 2; do c=${RM}; test -f x && continue; c=ls; done; $c`);
  });

  it("stops reading a body whose values keep changing: they hold text the guard cannot know", () => {
    const c = classify('s=ls; for x in a b c d e f g h; do s="$s $x"; done; $s');
    expect(c.uncertain).toBe(true);
  });
});

describe("a variable past a function", () => {
  it("holds the value a return leaves and the one the body's end leaves", () => {
    expectRm(`f() { c=${RM}; [ -f x ] && return; c=ls; }; f; $c`);
    expectRm(`f() { c=ls; [ -f x ] && return 1; c=${RM}; }; f; $c`);
  });

  it("holds the value from before a call that may not run", () => {
    expectRm(`f() { c=ls; }; c=${RM}; test -f x && f; $c`);
    expectRm(`f() { c=${RM}; }; c=ls; if test -f x; then f; fi; $c`);
  });
});

describe("everyday branching", () => {
  it("stays allowed", () => {
    expectHarmless('if [ -n "$CI" ]; then f=ci.yml; else f=local.yml; fi; cat $f');
    expectHarmless('if [ -n "$CI" ]; then f=ci.yml; else f=local.yml; fi; cat "$f"');
    expectHarmless('if [ -n "$CI" ]; then c=ls; else c=pwd; fi; $c');
    expectHarmless(`if test -f x; then c=${RM}; fi; c=ls; $c`);
    expectHarmless("case $1 in release) m=release;; *) m=debug;; esac; make $m");
    expectHarmless("test -f x && c=ls || c=pwd; $c");
    expectHarmless("for c in ls pwd; do $c; done");
    expectHarmless("if command -v rg >/dev/null; then g=rg; else g=grep; fi; $g -n TODO src");
    expectHarmless("x=1; while [ $x -lt 5 ]; do x=$((x+1)); done; echo $((x * 2))");
    expectHarmless("for env in dev staging; do kubectl --context $env get pods; done");
    expectHarmless('if test -f x; then t=users; else t=sessions; fi; psql -c "SELECT count(*) FROM $t"');
  });
});
