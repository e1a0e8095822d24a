// `leash hook` reads the agent's event from descriptor 0 and writes its answer to descriptor 1 itself
// (src/cli/standard-io.ts): real processes, real pipes, files and a non-blocking pipe. A call that cannot answer
// blocks: commander's refusals are asked about, and a failure outside the hook's own answer exits 2.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { LEASH_BIN, runProcess } from "../helpers/cli.ts";

const work = mkdtempSync(join(tmpdir(), "leash-hook-io-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const env = { PATH: process.env.PATH, HOME: work };
const event = (command: string) =>
  JSON.stringify({
    session_id: "s",
    hook_event_name: "PreToolUse",
    tool_name: "Bash",
    tool_input: { command },
  });
const hook = (input: string) =>
  runProcess(process.execPath, [LEASH_BIN, "hook", "claude-code"], { cwd: work, env, input });
const decision = (stdout: string) => JSON.parse(stdout).hookSpecificOutput?.permissionDecision ?? "none";

describe("leash hook's standard input and output", () => {
  it("reads an event that takes many reads, from a pipe and from a file", async () => {
    const long = event(`echo ${"a".repeat(300_000)} && rm -rf /srv/data`);
    const piped = await hook(long);
    expect(piped.code, piped.stderr).toBe(0);
    expect(decision(piped.stdout)).toBe("ask");
    const file = join(work, "event.json");
    writeFileSync(file, event("git status"));
    const fromFile = await runProcess(
      "sh",
      ["-c", `"${process.execPath}" "${LEASH_BIN}" hook claude-code < "${file}"`],
      {
        cwd: work,
        env,
      },
    );
    expect(fromFile.code, fromFile.stderr).toBe(0);
    expect(JSON.parse(fromFile.stdout)).toEqual({});
  });

  it("answers ask, saying why, when the event is over 10 MiB", async () => {
    const r = await hook(event("x".repeat(10 * 1024 * 1024)));
    expect(r.code).toBe(0);
    expect(decision(r.stdout)).toBe("ask");
    expect(r.stdout).toContain("larger than 10 MiB");
  });

  it("ends quietly when the agent has closed its end of stdout", async () => {
    const file = join(work, "destructive.json");
    writeFileSync(file, event("rm -rf /srv/data"));
    const r = await runProcess(
      "bash",
      ["-c", `set -o pipefail; "${process.execPath}" "${LEASH_BIN}" hook claude-code < "${file}" | true`],
      { cwd: work, env },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
  });

  it("reads a non-blocking pipe to its end, part of it after the pipe ran dry", async () => {
    // The writer sends half the event, waits until the hook is waiting on the empty pipe (its event loop watches
    // descriptor 0, as /proc shows), then sends the rest: the hook has met EAGAIN and must not answer from half.
    const writer = `
import fcntl, os, subprocess, sys, time
event = sys.argv[1].encode()
r, w = os.pipe()
fcntl.fcntl(r, fcntl.F_SETFL, fcntl.fcntl(r, fcntl.F_GETFL) | os.O_NONBLOCK)
child = subprocess.Popen(sys.argv[2:], stdin=r, stdout=subprocess.PIPE)
os.close(r)
os.write(w, event[: len(event) // 2])
def watching_stdin():
    for name in os.listdir(f"/proc/{child.pid}/fdinfo"):
        try:
            text = open(f"/proc/{child.pid}/fdinfo/{name}").read()
        except OSError:
            continue
        if any(line.split()[:2] == ["tfd:", "0"] for line in text.splitlines()):
            return True
    return False
deadline = time.monotonic() + 60
while not watching_stdin():
    if child.poll() is not None or time.monotonic() > deadline:
        sys.exit("the hook never waited on its input")
    time.sleep(0.01)
os.write(w, event[len(event) // 2 :])
os.close(w)
sys.stdout.write(child.communicate()[0].decode())
`;
    const r = await runProcess(
      "python3",
      ["-c", writer, event("git status"), process.execPath, LEASH_BIN, "hook", "claude-code"],
      { cwd: work, env },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({});
  });
});

/** The installed command, which runs a hook call from its bundle; present after `npm run build`. */
const INSTALLED_CLI = fileURLToPath(new URL("../../dist/cli", import.meta.url));

describe("a hook call that cannot give its answer blocks instead of passing", { timeout: 90_000 }, () => {
  it("answers ask, with commander's reason, for a command line commander refuses", async () => {
    // A repeated option hands the call to commander, which refuses the bad value or the unknown option.
    for (const bin of [LEASH_BIN, join(INSTALLED_CLI, "bin.cjs")]) {
      for (const args of [
        ["--env", "a", "--env", "b", "--wait-approval", "x"],
        ["--env", "a", "--env", "b", "--bogus"],
      ]) {
        const r = await runProcess(process.execPath, [bin, "hook", "claude-code", ...args], {
          cwd: work,
          env,
          input: event("rm -rf /srv/data"),
        });
        expect(r.code, r.stderr).toBe(0);
        expect(decision(r.stdout), `${bin} ${args.join(" ")}`).toBe("ask");
        expect(r.stdout).toMatch(/wait-approval|bogus/);
      }
    }
  });

  it("exits 2, which both agents read as a block, when its bundle fails to load or an error escapes it", async () => {
    // The installed entry point beside bundles that throw on load, reject, or throw later from a timer.
    const bundles = {
      load: 'throw new Error("the bundle is damaged")',
      rejects: 'exports.main = async () => { throw new Error("main failed") }',
      later: 'exports.main = async () => { setTimeout(() => { throw new Error("a timer failed") }, 10) }',
    };
    for (const [name, source] of Object.entries(bundles)) {
      const root = join(work, `install-${name}`);
      mkdirSync(join(root, "dist", "cli"), { recursive: true });
      mkdirSync(join(root, "dist", "hook"), { recursive: true });
      for (const file of ["bin.cjs", "hook-bundle.cjs"])
        copyFileSync(join(INSTALLED_CLI, file), join(root, "dist", "cli", file));
      writeFileSync(join(root, "dist", "hook", "main.cjs"), source);
      for (const agent of ["claude-code", "cursor"]) {
        const r = await runProcess(process.execPath, [join(root, "dist", "cli", "bin.cjs"), "hook", agent], {
          cwd: work,
          env,
          input: event("rm -rf /srv/data"),
        });
        expect(r.code, `${name}: ${r.stderr}`).toBe(2);
        expect(r.stderr).toMatch(
          /leash hook failed, so the action is blocked: (the bundle is damaged|main failed|a timer failed)/,
        );
      }
    }
  });
});
