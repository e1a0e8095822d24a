// Text piped or redirected into a group, a subshell, a loop or a function call: the commands inside that read stdin
// without a redirection of their own read it, the first reader all of it, those after it what is left.
import { describe, expect, it } from "vitest";
import { classify } from "../../src/guard/classify.ts";
import {
  expectAsks,
  expectHarmless,
  expectReadersAgree,
  expectRm,
  readShell,
} from "../helpers/shell-readers.ts";

/** What each command read on stdin, as both readers read the line. */
function stdinOf(script: string): (string | null)[] {
  expectReadersAgree(script);
  return readShell(script, "full").trace.map((e) => (e.piped ? "(unknown)" : e.stdin));
}

describe("stdin given to a compound command", () => {
  it("reaches the first command inside that reads it, through groups, subshells, branches and loops", () => {
    expectRm("echo 'rm -rf /srv/app' | { sh; }");
    expectRm("echo 'rm -rf /srv/app' | ( bash )");
    expectRm("echo 'rm -rf /srv/app' | { { sh; }; }");
    expectRm("echo 'rm -rf /srv/app' | if true; then sh; fi");
    expectRm("echo 'rm -rf /srv/app' | case x in *) sh;; esac");
    expectRm("echo 'rm -rf /srv/app' | for i in 1; do sh; done");
    expectRm("echo 'rm -rf /srv/app' | { cd /tmp && bash -s; }");
    expectAsks("printf 'DROP TABLE users' | { psql; }");
    expectAsks("echo 'FLUSHALL' | ( redis-cli )");
  });

  it("comes from the compound's own redirections: a here-string, a here-document, a file the line wrote", () => {
    expectRm("{ sh; } <<< 'rm -rf /srv/app'");
    expectRm("( sh ) <<'EOF'\nrm -rf /srv/app\nEOF");
    expectRm("echo 'rm -rf /srv/app' > x; { sh; } < x");
    expectRm("exec <<< 'rm -rf /srv/app'; sh");
  });

  it("reaches a function's body from the call's pipe or redirection", () => {
    expectRm("f() { sh; }; echo 'rm -rf /srv/app' | f");
    expectRm("f() { bash; }; f <<< 'rm -rf /srv/app'");
    expectRm("f() { while read -r l; do $l; done; }; echo 'rm -rf /srv/app' | f");
  });

  it("gives way to a redirection of the command's own", () => {
    expectHarmless("echo 'rm -rf /srv/app' | { sh < /dev/null; }");
    expectHarmless("echo 'rm -rf /srv/app' | { sh <<< 'ls'; }");
    expect(stdinOf("echo a | { cat <<< b; cat; }")).toEqual([null, "b\n", "a\n"]);
  });

  it("is all there after builtins that do not read it, lines after read, and unknown after any other reader", () => {
    expect(stdinOf("echo a | { cd /tmp; cat; cat; }")).toEqual([null, "a\n", "a\n", "(unknown)"]);
    expect(stdinOf("printf 'a\\nb\\n' | { read -r x; cat; }")).toEqual([null, "a\nb\n", "a\nb\n"]);
    expectRm("printf 'ls\\nrm -rf /srv/app\\n' | { read -r first; sh; }");
    expectAsks("echo 'xx rm -rf /srv/app' | { head -c 3 > /dev/null; sh; }");
    expectAsks("echo 'rm -rf /srv/app' | { cat > /dev/null; sh; }");
  });

  it("gives read each line, which runs where the variable is a command", () => {
    expectRm("echo 'rm -rf /srv/app' | while read -r l; do $l; done");
    expectRm("printf 'ls\\nrm -rf /srv/app\\n' | while read -r l; do $l; done");
    expectRm("while read -r l; do eval \"$l\"; done <<< 'rm -rf /srv/app'");
    expectAsks("cat cmds.txt | while read -r l; do $l; done");
    expectAsks("while read -r l; do $l; done < cmds.txt");
    expect(classify("cat cmds.txt | while read -r l; do $l; done").reasons).toContain(
      "runs a line read from `cat cmds.txt` as a command: text the guard cannot read",
    );
  });

  it("keeps everyday pipes into groups and loops allowed", () => {
    expectHarmless("echo ls | { sh; }");
    expectHarmless("echo 'rm -rf /srv/app' | { grep rm; }");
    expectHarmless('echo hello | { read -r name; echo "hi $name"; }');
    expectHarmless('git diff --name-only | while read -r f; do echo "changed: $f"; done');
    expectHarmless('find . -name "*.log" | while read -r f; do wc -l "$f"; done');
    expectHarmless("printf 'ls\\npwd\\n' | while read -r c; do $c; done");
    expectHarmless("ps aux | { head -1; grep node; }");
    expectHarmless("f() { cat; }; echo hi | f");
  });
});
