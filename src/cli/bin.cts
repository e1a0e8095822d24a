#!/usr/bin/env node
// The installed `leash` command: the compiled CLI. It is CommonJS so that `leash hook …`, which an agent pays for on
// every command, runs from its bundle without starting Node's ES module loader; every other command imports the
// CLI's modules. Node's compile cache (Node 22.1 and later) keeps the compiled code of leash and its dependencies
// between runs.
import { writeSync } from "node:fs";
import module from "node:module";
import { loadHookBundle } from "./hook-bundle.cts";

type Main = (argv: string[]) => Promise<void>;

const hookCall = process.argv[2] === "hook";

/**
 * A hook call that fails where its own answer cannot (its bundle does not load, an error escapes it) exits 2 with
 * the reason on stderr: Claude Code and Cursor both block the action on 2, and go on as if the hook had no opinion
 * on any other failure, so a crash would let every command through.
 */
function blockOnHookFailure(error: unknown): never {
  const reason = (error instanceof Error ? error.message : String(error)).replace(/[^\x20-\x7e]/g, "?");
  try {
    writeSync(2, `leash hook failed, so the action is blocked: ${reason}\n`);
  } finally {
    // Not left to the event loop: after an error nobody caught, what is still pending cannot be trusted to end.
    process.exit(2);
  }
}

if (hookCall) {
  process.on("uncaughtException", blockOnHookFailure);
  process.on("unhandledRejection", blockOnHookFailure);
}
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
const main: Promise<Main> = new Promise<Main | null>((resolve) =>
  resolve(hookCall ? (loadHookBundle()?.main ?? null) : null),
).then((hook) => hook ?? import("./main.ts").then((cli: { main: Main }) => cli.main));
const ran = main.then((run) => run(process.argv));
if (hookCall) ran.catch(blockOnHookFailure);
else void ran;
