// The usual hook call (`leash hook claude-code|cursor [--allow-safe] [--env E] [--scopes-dir D] [--wait-approval N]`)
// read without commander: an agent pays a hook's start-up before every command, and commander with the Node modules
// it loads is about a sixth of it. Help, an unknown agent and a repeated option go to commander, which answers them as
// for every other command. A hook call commander would refuse (an unknown option, a bad value) is answered "ask" in
// the agent's format instead: an agent goes on as if a hook that exits 1 had no opinion, so it would protect nothing.
import { parseArgs } from "node:util";
import { type HookAgent, type HookOptions, hookCallAgent, parseSeconds } from "./commands/hook.ts";

const OPTIONS = {
  "allow-safe": { type: "boolean" },
  env: { type: "string" },
  "scopes-dir": { type: "string" },
  "wait-approval": { type: "string" },
} as const;

export type PlainHookCall =
  | { agent: HookAgent; options: HookOptions }
  /** A command line commander would refuse, with the reason. */
  | { agent: HookAgent; error: string };

/** The agent and options of a plain hook call, or null when commander must read the command line. */
export function plainHookCall(argv: readonly string[]): PlainHookCall | null {
  const agent = hookCallAgent(argv);
  if (agent === undefined) return null;
  const rest = argv.slice(4);
  try {
    const { values, tokens } = parseArgs({ args: rest, options: OPTIONS, strict: true, tokens: true });
    // commander takes the last of a repeated option; parseArgs does too, but a repeat is unusual enough to hand over.
    const names = tokens.filter((t) => t.kind === "option").map((t) => t.name);
    if (new Set(names).size !== names.length) return null;
    const options: HookOptions = {};
    if (values["allow-safe"]) options.allowSafe = true;
    if (values.env !== undefined) options.env = values.env;
    if (values["scopes-dir"] !== undefined) options.scopesDir = values["scopes-dir"];
    if (values["wait-approval"] !== undefined) options.waitApproval = parseSeconds(values["wait-approval"]);
    return { agent, options };
  } catch (error) {
    return { agent, error: `leash hook ${agent}: ${(error as Error).message}` };
  }
}
