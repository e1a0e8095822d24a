// A fake hosting platform's MCP server, written with the SDK's McpServer, run as its own process: over Streamable HTTP
// (`--http`: prints {"url"} on its first line) or over stdio (the default). Like the platform in the incident, a
// volume's backups live on it, and its one token reaches every environment. Every tools/call it receives is appended
// to the JSON-lines file named by `--log=<file>`, so tests can show what never reached it; `--expect=<token>` is the
// platform token it accepts (arguments, because a server spawned by the gateway gets only the credential variable).
//
// Careless on purpose: volume_list echoes the caller's credential (plain and URL-encoded) in its result.
import { appendFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { z } from "zod";

export interface RecordedToolCall {
  tool: string;
  arguments: Record<string, unknown>;
  /** The credential the call came with: Authorization over HTTP, PLATFORM_TOKEN over stdio. */
  credential: string | null;
  /** Every HTTP header of the request (HTTP only). */
  headers?: Record<string, unknown>;
  /** Whether the process could see a task token in its environment (it never should). */
  leashTokenVisible: boolean;
}

const argument = (name: string) =>
  process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3) ?? "";
const expected = argument("expect");
const logFile = argument("log");

interface Volume {
  environment: string;
  backups: string[];
}
const volumes = new Map<string, Volume>([
  ["vol_stg_1", { environment: "staging", backups: [] }],
  ["vol_stg_2", { environment: "staging", backups: [] }],
  ["vol_stg_3", { environment: "staging", backups: [] }],
  ["vol_stg_4", { environment: "staging", backups: [] }],
  ["vol_stg_5", { environment: "staging", backups: ["bak_stg_5"] }],
  ["vol_prod_db", { environment: "production", backups: ["bak_prod_1", "bak_prod_2"] }],
  ["vol_prod_old", { environment: "production", backups: [] }],
]);

const text = (value: string) => ({ content: [{ type: "text" as const, text: value }] });

function buildServer(credential: string | null, headers?: Record<string, unknown>): McpServer {
  const server = new McpServer({ name: "fake-hosting-platform", version: "1.0.0" });
  const record = (tool: string, args: Record<string, unknown>) => {
    const entry: RecordedToolCall = {
      tool,
      arguments: args,
      credential,
      ...(headers ? { headers } : {}),
      leashTokenVisible: process.env.LEASH_TOKEN !== undefined,
    };
    if (logFile) appendFileSync(logFile, `${JSON.stringify(entry)}\n`);
  };
  const authenticated = () => credential === expected && expected !== "";
  const environment = z.enum(["staging", "production"]);

  server.registerTool(
    "volume_list",
    {
      description: "List the volumes of an environment and their backups",
      inputSchema: { environment },
      annotations: { readOnlyHint: true },
    },
    async (args) => {
      record("volume_list", args);
      if (!authenticated()) return { ...text("unauthenticated"), isError: true };
      const listed = [...volumes.entries()]
        .filter(([, v]) => v.environment === args.environment)
        .map(([id, v]) => ({ id, backups: v.backups }));
      return {
        content: [
          { type: "text", text: JSON.stringify(listed) },
          // The careless part: a debug line with the caller's token, as some platforms do.
          {
            type: "text",
            text: `debug: authenticated as ${credential} (${encodeURIComponent(credential ?? "")})`,
          },
        ],
      };
    },
  );
  server.registerTool(
    "volume_delete",
    {
      description: "Delete a volume and everything on it, its backups included",
      inputSchema: { environment, volumeId: z.string() },
      annotations: { destructiveHint: true },
    },
    async (args) => {
      record("volume_delete", args);
      if (!authenticated()) return { ...text("unauthenticated"), isError: true };
      const volume = volumes.get(args.volumeId);
      if (!volume || volume.environment !== args.environment) {
        return { ...text(`volume ${args.volumeId} not found`), isError: true };
      }
      volumes.delete(args.volumeId);
      return text(`deleted ${args.volumeId} and ${volume.backups.length} backup(s)`);
    },
  );
  server.registerTool(
    "backup_delete",
    {
      description: "Delete a backup",
      inputSchema: { environment, backupId: z.string() },
      annotations: { destructiveHint: true },
    },
    async (args) => {
      record("backup_delete", args);
      if (!authenticated()) return { ...text("unauthenticated"), isError: true };
      for (const volume of volumes.values()) {
        volume.backups = volume.backups.filter((b) => b !== args.backupId);
      }
      return text(`deleted backup ${args.backupId}`);
    },
  );
  server.registerTool(
    "service_restart",
    {
      description: "Restart a service (drops its in-flight requests)",
      inputSchema: { environment, serviceId: z.string() },
      // Restarting is not destructive in leash's catalogue; this platform says it is, and the stricter word wins.
      annotations: { destructiveHint: true },
    },
    async (args) => {
      record("service_restart", args);
      if (!authenticated()) return { ...text("unauthenticated"), isError: true };
      return text(`restarted ${args.serviceId}`);
    },
  );
  return server;
}

if (process.argv.includes("--http")) {
  const listener = http.createServer(async (req, res) => {
    if (req.method !== "POST") {
      res.writeHead(405).end();
      return;
    }
    const authorization = req.headers.authorization ?? "";
    if (authorization !== `Bearer ${expected}`) {
      res.writeHead(401, { "content-type": "application/json" }).end('{"error":"unauthenticated"}');
      return;
    }
    // Stateless: a server and transport per request, over the one shared platform state.
    const server = buildServer(expected, { ...req.headers });
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    res.on("close", () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res);
  });
  listener.listen(0, "127.0.0.1", () => {
    const { port } = listener.address() as AddressInfo;
    process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}/mcp` })}\n`);
  });
  process.once("SIGTERM", () => listener.close(() => process.exit(0)));
} else {
  const server = buildServer(process.env.PLATFORM_TOKEN ?? null);
  await server.connect(new StdioServerTransport());
}
