// A bad variable stops a client command with one line naming it, before anything is sent.
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.ts";

describe("the client commands' variables", () => {
  it.each([
    [["token", "--scope", "staging-fix", "--intent", "run the migration"], { LEASH_AGENT_KEY: "k" }],
    [["approvals"], { LEASH_HUMAN_KEY: "k" }],
    [["token", "exchange", "--intent", "read the logs"], { LEASH_TOKEN: "t" }],
  ])("leash %s refuses a LEASH_URL that is no URL, by name", async (args, env) => {
    const r = await runCli(args, { env: { ...env, LEASH_URL: "leash.internal:8787" } });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "leash: LEASH_URL: expected the broker's http(s) URL, like http://127.0.0.1:8787\n",
    );
  });
});
