// Build step (run by scripts/bundle-hook.mjs with a hook event on stdin): makes one hook call from the bundle in this
// process, then saves V8's code cache for everything that call compiled, next to the bundle.
import { writeFileSync } from "node:fs";
import { HOOK_CODE_CACHE, loadHookBundle } from "../dist/cli/hook-bundle.cjs";

const hook = loadHookBundle({ codeCache: false });
if (!hook) throw new Error("dist/hook/main.cjs is missing");
await hook.main([process.execPath, "leash", "hook", "claude-code"]);
writeFileSync(HOOK_CODE_CACHE, hook.script.createCachedData());
