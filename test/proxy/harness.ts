// In-process proxies for tests, and an agent's HTTP client that keeps everything it received for later scanning.
import http from "node:http";
import pino from "pino";
import { formatProblem, parseProxyConfig } from "../../src/proxy/config.ts";
import { type RunningProxy, startProxy } from "../../src/proxy/server.ts";

export interface TestProxy extends RunningProxy {
  /** The URL agents use for an upstream. */
  url(upstream: string): string;
}

export async function startTestProxy(
  yaml: string,
  options: { brokerUrl: string; credentials: Record<string, string>; brokerTimeoutMs?: number },
): Promise<TestProxy> {
  const loaded = parseProxyConfig(yaml, "test-proxy.yaml");
  if (!loaded.ok) throw new Error(loaded.problems.map(formatProblem).join("\n"));
  const proxy = await startProxy(loaded.config, {
    brokerUrl: options.brokerUrl,
    credentials: new Map(Object.entries(options.credentials)),
    logger: pino({ level: "silent" }),
    ...(options.brokerTimeoutMs ? { brokerTimeoutMs: options.brokerTimeoutMs } : {}),
  });
  return {
    ...proxy,
    url(upstream) {
      const listener = proxy.listeners.find((l) => l.upstream === upstream);
      if (!listener) throw new Error(`no listener for ${upstream}`);
      return listener.url;
    },
  };
}

export interface AgentResponse {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read bodies loosely and assert on them
  json(): any;
}

/** What an agent does: plain HTTP with its task token. Every response is kept in `received`. */
export class Agent {
  readonly received: string[] = [];

  constructor(public token: string) {}

  async request(
    url: string,
    options: {
      method?: string;
      headers?: Record<string, string>;
      body?: BodyInit;
      token?: string | null;
    } = {},
  ): Promise<AgentResponse> {
    const token = options.token === undefined ? this.token : options.token;
    const response = await fetch(url, {
      method: options.method ?? "GET",
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...options.headers,
      },
      ...(options.body === undefined ? {} : { body: options.body }),
    });
    const text = await response.text();
    const headerLines = [...response.headers.entries()].map(([name, value]) => `${name}: ${value}`);
    this.received.push(`${response.status}\n${headerLines.join("\n")}\n\n${text}`);
    return {
      status: response.status,
      headers: response.headers,
      text,
      json: () => JSON.parse(text),
    };
  }

  /**
   * node:http instead of fetch, for what fetch will not send: paths with dot segments (it normalizes them away) and
   * hop-by-hop headers such as Connection.
   */
  raw(
    url: string,
    options: {
      method?: string;
      path?: string;
      headers?: Record<string, string>;
      body?: string;
      /** Sent as multipart/form-data, encoded the way fetch encodes it. */
      form?: FormData;
    } = {},
  ): Promise<AgentResponse> {
    const target = new URL(url);
    if (options.form) {
      const encoded = new Response(options.form);
      const contentType = encoded.headers.get("content-type")!;
      return encoded.text().then((body) =>
        this.raw(url, {
          ...options,
          form: undefined,
          headers: { ...options.headers, "content-type": contentType },
          body,
        }),
      );
    }
    return new Promise((resolve, reject) => {
      const request = http.request(
        {
          hostname: target.hostname,
          port: target.port,
          method: options.method ?? "GET",
          path: options.path ?? `${target.pathname}${target.search}`,
          headers: { authorization: `Bearer ${this.token}`, ...options.headers },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            const headers = new Headers();
            for (const [name, value] of Object.entries(response.headers)) {
              for (const item of Array.isArray(value) ? value : [value ?? ""]) headers.append(name, item);
            }
            this.received.push(`${response.statusCode}\n${JSON.stringify(response.headers)}\n\n${text}`);
            resolve({ status: response.statusCode ?? 0, headers, text, json: () => JSON.parse(text) });
          });
        },
      );
      request.once("error", reject);
      request.end(options.body);
    });
  }

  graphql(url: string, query: string, variables?: Record<string, unknown>, token?: string | null) {
    return this.request(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query, ...(variables ? { variables } : {}) }),
      ...(token === undefined ? {} : { token }),
    });
  }
}
