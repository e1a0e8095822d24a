// What a tool call's arguments do, read by the guard: a mapping names one action, but the SQL, shell, GraphQL, HTTP or
// code in the arguments can destroy whatever the mapping and the upstream's annotations say.
import { classifyToolCallPrepared } from "../guard/classifier.ts";
import type { Classification } from "../guard/types.ts";

/** How long the guard may read one call's arguments; arguments not read to the end by then count as destructive. */
export const PAYLOAD_READ_MS = 2_000;

export type PayloadJudgment =
  | { ok: false; code: "guard_denied"; detail: string }
  | {
      ok: true;
      /** The arguments destroy something, or could not be read to the end: authorize the call as destructive. */
      destructive: boolean;
    };

/**
 * The verdict on one call's payloads. The guard reads them without the task's environment or intent: the environment
 * is the broker's to decide from the resource, and the guard's answer can only make the call stricter.
 */
export async function judgeToolArguments(
  upstream: string,
  tool: string,
  args: Record<string, unknown>,
): Promise<PayloadJudgment> {
  const judged = await classifyToolCallPrepared(
    // Named as an agent's hook sees it, so the server's name (`postgres`) counts as the hook would count it.
    { name: `mcp__${upstream}__${tool}`, input: args },
    { deadline: Date.now() + PAYLOAD_READ_MS },
  );
  return payloadVerdict(judged);
}

/** Pure: refuse what the guard denies (destroyed safety nets), authorize as destructive what it is unsure of. */
export function payloadVerdict(judged: Classification): PayloadJudgment {
  if (judged.decision === "deny") {
    return {
      ok: false,
      code: "guard_denied",
      detail: `the call's arguments ${judged.reasons[0] ?? "are refused by the guard"}; nothing was sent`,
    };
  }
  return { ok: true, destructive: judged.destructive || judged.uncertain || judged.decision === "ask" };
}
