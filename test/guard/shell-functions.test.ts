// Shell functions: each call runs the body with the variables as they are then, its locals and positional
// parameters ending when it returns, so `x='rm …'; f() { local x=ls; }; f; $x` runs rm.
import { describe, expect, it } from "vitest";
import { classify } from "../../src/guard/classify.ts";
import { expectAsks, expectRm, RM, readShell } from "../helpers/shell-readers.ts";

describe("a shell function's scope", () => {
  it("gives a call the variables as they are at the call, not where the function is defined", () => {
    expectRm("f() { echo $((x)); }; x='b[$(rm -rf /srv/app)]'; f");
    expectRm("f() { $x; }; x='rm -rf /srv/app'; f");
    expectRm('f() { rm -rf "$1"; }; f /srv/app');
    expectRm('f() { rm -rf "$@"; }; f /srv/app');
    expectRm('g() { f "$@"; }; f() { $1 $2 $3; }; g rm -rf /srv/app');
    expectRm("f() { local x='rm -rf /srv/app'; g; }; g() { $x; }; f");
  });

  it("ends locals, positional parameters and prefix assignments when the function returns", () => {
    expectRm(`x=${RM}; f() { local x=ls; }; f; $x`);
    expectRm(`x=${RM}; f() { declare x=ls; }; f; $x`);
    expectRm(`x=${RM}; f() { typeset x=ls; }; f; $x`);
    expectRm(`x=${RM}; f() { local x; x=ls; }; f; $x`);
    expectRm(`x=${RM}; f() { :; }; x=ls f; $x`);
    expectRm(`f() { set -- ls; }; set -- ${RM}; f; $1`);
  });

  it("keeps what the function assigns otherwise", () => {
    expectRm(`x=ls; f() { x=${RM}; }; f; $x`);
    expectRm(`x=ls; f() { declare -g x=${RM}; }; f; $x`);
    expectRm(`x=ls; f() { export x=${RM}; }; f; $x`);
    expectAsks(`f() { read x; }; f <<< ${RM}; $x`);
    expectRm(`f() { x=${RM}; }; eval f; $x`);
  });

  it("takes each definition a branch may have chosen: a variable they set otherwise may hold either value", () => {
    expectAsks(`if [ -f a ]; then f() { x=${RM}; }; else f() { x=ls; }; fi; f; $x`);
    expectAsks(`if [ -f a ]; then f() { x=ls; }; else f() { x=${RM}; }; fi; f; $x`);
    expectRm("if [ -f a ]; then f() { rm -rf /srv/app; }; else f() { ls; }; fi; x=1; f");
  });

  it("asks about calls deeper or more than it follows", () => {
    for (const script of [
      "f() { f; }; f",
      "f() { g; }; g() { f; }; f",
      "rec() { [ $1 -le 0 ] || rec $(( $1 - 1 )); }; rec 3",
    ])
      expect(classify(script), script).toMatchObject({ destructive: true, uncertain: true, decision: "ask" });
  });

  it("leaves alone functions whose calls only read, build or print", () => {
    for (const script of [
      "f() { local n=3; echo $((n+1)); }; f",
      "f() { local n=$1; echo $((n * 2)); }; f 3",
      "f() { local x=ls; }; x=ls; f; $x",
      "x=ls; f() { local x=1; x='rm -rf /srv/app'; }; f; $x",
      "f() { set -- 'rm -rf /srv/app'; }; set -- ls; f; $1",
      'log() { echo "[$(date +%T)] $*"; }; log start; npm test; log done',
      "main() { build; check; }; build() { npm run build; }; check() { npm test; }; main",
      'die() { echo "$1" >&2; exit 1; }; [ -f package.json ] || die "no package.json"; npm ci',
      'f() { "$@"; }; f ls -la',
    ])
      expect(classify(script), script).toMatchObject({ destructive: false, decision: "allow" });
  });

  it("does not keep a function defined in a pipeline's stage, a subshell bash forgets", () => {
    for (const script of ["f() { rm -rf /srv/app; } | cat; echo done", "f() { x=ls; } | cat; f"]) {
      const fast = readShell(script, "simple");
      const full = readShell(script, "full");
      expect(fast.accepted, script).toBe(true);
      expect(fast.trace, script).toEqual(full.trace);
      expect(fast.findings, script).toEqual(full.findings);
    }
    expect(readShell("f() { echo hi; } | cat; f", "full").trace.map((e) => e.argv[0]?.text)).toEqual([
      "echo",
      "cat",
      "f",
    ]);
  });
});
