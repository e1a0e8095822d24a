#!/usr/bin/env node
// The installed `leash` command: the compiled CLI. It is CommonJS so that `leash hook …`, which an agent pays for on
// every command, runs from its bundle without starting Node's ES module loader; every other command imports the
// CLI's modules. Node's compile cache (Node 22.1 and later) keeps the compiled code of leash and its dependencies
// between runs.
import module from "node:module";
import { loadHookBundle } from "./hook-bundle.cts";

type Main = (argv: string[]) => Promise<void>;

(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
const hook = process.argv[2] === "hook" ? loadHookBundle() : null;
const main: Promise<Main> = hook
  ? Promise.resolve(hook.main)
  : import("./main.ts").then((cli: { main: Main }) => cli.main);
void main.then((run) => run(process.argv));
