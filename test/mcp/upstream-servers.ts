// Upstream MCP servers for the gateway's tests to front: the SDK's McpServer over its Streamable HTTP transport, on a
// free loopback port, as a platform serves it.
import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";

export interface ListeningUpstream {
  server: http.Server;
  /** The MCP endpoint. */
  url: string;
}

async function listening(server: http.Server): Promise<ListeningUpstream> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp` };
}

/** An upstream without sessions: every request gets a server of its own, answered as JSON. */
export function statelessUpstream(newServer: () => McpServer): Promise<ListeningUpstream> {
  return listening(
    http.createServer(async (req, res) => {
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: undefined,
        enableJsonResponse: true,
      });
      const server = newServer();
      res.on("close", () => void server.close());
      await server.connect(transport);
      await transport.handleRequest(req, res);
    }),
  );
}

/**
 * An upstream with sessions: each initialize makes a server of its own, which can read its session id. Answers are
 * event streams unless `jsonResponses`.
 */
export function sessionUpstream(
  newServer: (sessionId: () => string) => McpServer,
  { jsonResponses = false } = {},
): Promise<ListeningUpstream> {
  const transports = new Map<string, StreamableHTTPServerTransport>();
  return listening(
    http.createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString("utf8")) : undefined;
      const id = req.headers["mcp-session-id"];
      let transport = typeof id === "string" ? transports.get(id) : undefined;
      if (!transport) {
        const created: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          enableJsonResponse: jsonResponses,
          onsessioninitialized: (sessionId) => void transports.set(sessionId, created),
        });
        await newServer(() => created.sessionId ?? "").connect(created);
        transport = created;
      }
      await transport.handleRequest(req, res, body);
    }),
  );
}
