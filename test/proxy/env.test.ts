// The proxy and the MCP gateway refuse to start without a usable LEASH_URL, naming it, before reading their config.
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.ts";

describe("LEASH_URL for the proxy and the MCP gateway", () => {
  it.each([
    { args: ["proxy", "--config", "proxy.yaml"] },
    { args: ["mcp", "--config", "mcp.yaml"] },
    { args: ["mcp", "stdio", "--config", "mcp.yaml"] },
  ])("leash $args stops on a LEASH_URL that is no http(s) URL", async ({ args }) => {
    const r = await runCli(args, { env: { LEASH_URL: "broker.internal:8787" } });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "leash: LEASH_URL: required, expected the broker's http(s) URL, like http://127.0.0.1:8787\n",
    );
  });
});
