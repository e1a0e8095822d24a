#!/usr/bin/env node
// The installed `leash` command: the compiled CLI. `leash hook …` runs from its bundle when the build made one
// (an agent pays a hook's start-up on every command); Node's compile cache (Node 22.1 and later) keeps the compiled
// code of leash and its dependencies between runs.
import module from "node:module";
import { loadHookBundle } from "./hook-bundle.ts";

(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
const { main } =
  (process.argv[2] === "hook" ? loadHookBundle() : null) ??
  ((await import("./main.ts")) as { main: (argv: string[]) => Promise<void> });
await main(process.argv);
