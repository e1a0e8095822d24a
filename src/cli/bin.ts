#!/usr/bin/env node
// The installed `leash` command: the compiled CLI. Node's compile cache (Node 22.1 and later) keeps the compiled
// code of leash and its dependencies between runs, most of what a short command such as an agent hook spends.
import module from "node:module";

(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
const { main } = await import("./main.ts");
await main(process.argv);
