#!/usr/bin/env node
// Runs the CLI from the TypeScript sources through tsx, with no build step: what the tests and development use.
// The installed `leash` command is the compiled dist/cli/bin.cjs (`npm run build`).
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/main.ts");
await main(process.argv);
