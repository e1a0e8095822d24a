// Runs `leash hook …` from its CommonJS bundle (dist/hook/main.cjs, made by scripts/bundle-hook.mjs) with the V8 code
// cache the build saved next to it: an agent pays a hook's start-up on every command, and on Node 20, which has no
// compile cache, compiling the bundle's source is the largest part of that start-up after Node's own.
import { existsSync, readFileSync } from "node:fs";
import module, { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Script } from "node:vm";

export const HOOK_BUNDLE = join(__dirname, "..", "hook", "main.cjs");
/** Written by the build; like the bundle, it is part of the installed package and trusted as its code is. */
export const HOOK_CODE_CACHE = `${HOOK_BUNDLE}.code-cache`;

export interface HookBundle {
  main: (argv: string[]) => Promise<void>;
  /** The compiled bundle, for the build to save its code cache after a hook call. */
  script: Script;
  /** Whether V8 used the saved code cache (false also when there was none). */
  usedCodeCache: boolean;
}

/** The hook from its bundle, or null when there is none (running from the TypeScript sources). */
export function loadHookBundle({ codeCache = true } = {}): HookBundle | null {
  if (!existsSync(HOOK_BUNDLE)) return null;
  const cachedData = codeCache && existsSync(HOOK_CODE_CACHE) ? readFileSync(HOOK_CODE_CACHE) : undefined;
  // V8 checks the cache against its own version, its flags and the source's length, and compiles from source
  // whenever it does not match (another Node, NODE_OPTIONS with V8 flags): slower, never different.
  const script = new Script(module.wrap(readFileSync(HOOK_BUNDLE, "utf8")), {
    filename: HOOK_BUNDLE,
    cachedData,
  });
  const bundle = { exports: {} as { main?: HookBundle["main"] } };
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(
    bundle.exports,
    bundle.exports,
    createRequire(HOOK_BUNDLE),
    bundle,
    HOOK_BUNDLE,
    dirname(HOOK_BUNDLE),
  );
  const { main } = bundle.exports;
  if (typeof main !== "function") throw new Error(`${HOOK_BUNDLE} does not export main()`);
  return { main, script, usedCodeCache: cachedData !== undefined && !script.cachedDataRejected };
}
