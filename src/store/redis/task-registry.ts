// The live-task registry's writes as one script call for every token minted while the previous call was in Redis:
// every key of the registry carries `{tasks}`, so one call may write any number of tasks.
import { taskTokenFields, wholeMs } from "../records.ts";
import type { TaskTokenRecord } from "../store.ts";
import { storeKeys } from "./keys.ts";

/** leashRecordTaskTokens' arguments (RECORD_TASK_TOKENS_LUA): number of keys, keys, prune bound, six per token. */
export function taskRegistryArgs(tokens: readonly TaskTokenRecord[]): string[] {
  const keys = [String(tokens.length + 1), storeKeys.liveTasks];
  const args: string[] = [""];
  let latestIssue = Number.NEGATIVE_INFINITY;
  for (const token of tokens) {
    const { meta, field, value } = taskTokenFields(token);
    keys.push(storeKeys.liveTask(token.task));
    args.push(
      token.task,
      meta,
      field,
      value,
      String(Math.floor(token.expiresAt)),
      String(Math.max(1, wholeMs(token.expiresAt - token.issuedAt))),
    );
    latestIssue = Math.max(latestIssue, token.issuedAt);
  }
  args[0] = String(Math.floor(latestIssue));
  return keys.concat(args);
}
