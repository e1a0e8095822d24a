#!/usr/bin/env node
// Entry point: loads the TypeScript sources through tsx so there is no build step between editing and running.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/main.ts");
await main(process.argv);
