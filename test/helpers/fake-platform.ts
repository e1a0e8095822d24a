// A fake hosting platform for proxy tests: a real HTTP server with a GraphQL and a REST API over volumes and their
// backups, held in memory. Like the platform in the incident, a volume's backups live on it: deleting the volume
// deletes them. Every request it receives is recorded, so tests can show what never reached it.

import { createHash, randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { gzipSync } from "node:zlib";
import { buildSchema, graphql, Kind, parse } from "graphql";

export interface PlatformVolume {
  id: string;
  name: string;
  environment: string;
  backups: { id: string; createdAt: string }[];
}

export interface RecordedCall {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Top-level fields of a GraphQL request, e.g. ["volumeDelete"]. */
  fields: string[];
  /** The method a framework honouring overrides ran, for the backups endpoint. */
  effectiveMethod?: string;
}

export interface FakePlatformOptions {
  /**
   * A careless platform: echoes the caller's token in a response header, a cookie, error messages and the
   * `apiToken` query field, so tests can show the proxy keeps it from the agent anyway.
   */
  careless?: boolean;
}

const SCHEMA = buildSchema(`
  type Backup { id: ID! volumeId: ID! createdAt: String! }
  type Volume { id: ID! name: String! environment: String! backups: [Backup!]! }
  type Service { id: ID! name: String! environment: String! }
  type Deployment { id: ID! serviceId: ID! status: String! }
  input VolumeCreateInput { name: String! }
  type Query {
    volumes: [Volume!]!
    volume(id: ID!): Volume
    backups(volumeId: ID!): [Backup!]!
    services: [Service!]!
    apiToken: String
  }
  type Mutation {
    volumeCreate(input: VolumeCreateInput!): Volume!
    volumeDelete(volumeId: ID!): Boolean!
    backupCreate(volumeId: ID!): Backup!
    backupDelete(backupId: ID!): Boolean!
    serviceDelete(id: ID!): Boolean!
    deploymentCreate(serviceId: ID!): Deployment!
    environmentDelete(id: ID!): Boolean!
  }
`);

interface Caller {
  token: string;
  environment: string;
}

export class FakePlatform {
  /** One API token per environment, as platforms scope project tokens: staging's cannot touch production. */
  readonly tokens: { staging: string; production: string };
  readonly calls: RecordedCall[] = [];
  readonly volumes = new Map<string, PlatformVolume>();
  readonly services = new Map<string, { id: string; name: string; environment: string }>();
  readonly #server: http.Server;
  readonly #careless: boolean;
  #url = "";
  #nextId = 1;

  private constructor(options: FakePlatformOptions) {
    this.#careless = options.careless ?? false;
    this.tokens = {
      staging: `plt_staging_${randomBytes(12).toString("hex")}`,
      production: `plt_production_${randomBytes(12).toString("hex")}`,
    };
    this.seed();
    this.#server = http.createServer((req, res) => {
      this.#handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
        res.end(String(error));
      });
    });
  }

  static async start(options: FakePlatformOptions = {}): Promise<FakePlatform> {
    const platform = new FakePlatform(options);
    await new Promise<void>((resolve) => platform.#server.listen(0, "127.0.0.1", resolve));
    platform.#url = `http://127.0.0.1:${(platform.#server.address() as AddressInfo).port}`;
    return platform;
  }

  get url(): string {
    return this.#url;
  }

  /** The incident's world: one production database volume with its backups on it, and staging volumes to spare. */
  seed(): void {
    this.volumes.clear();
    this.services.clear();
    this.addVolume("vol_prod_db", "production", ["bak_prod_1", "bak_prod_2"]);
    this.addVolume("vol_prod_cache", "production", ["bak_prod_3"]);
    this.addVolume("vol_prod_old", "production", []);
    for (let i = 1; i <= 6; i++) this.addVolume(`vol_stg_${i}`, "staging", [`bak_stg_${i}`]);
    this.services.set("svc_prod_web", { id: "svc_prod_web", name: "web", environment: "production" });
    this.services.set("svc_stg_web", { id: "svc_stg_web", name: "web", environment: "staging" });
  }

  addVolume(id: string, environment: string, backups: string[]): void {
    this.volumes.set(id, {
      id,
      name: id,
      environment,
      backups: backups.map((backup) => ({ id: backup, createdAt: "2026-11-24T03:00:00Z" })),
    });
  }

  /** Recorded GraphQL calls that had the given top-level field. */
  callsWithField(field: string): RecordedCall[] {
    return this.calls.filter((call) => call.fields.includes(field));
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    let size = 0;
    const hash = createHash("sha256");
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      hash.update(chunk);
      // Uploads are only measured; other bodies are kept for the record.
      if (!req.url?.startsWith("/v1/uploads")) chunks.push(chunk);
    }
    const body = Buffer.concat(chunks).toString("utf8");
    const path = (req.url ?? "/").split("?")[0]!;
    const call: RecordedCall = { method: req.method ?? "GET", path, headers: req.headers, body, fields: [] };
    this.calls.push(call);

    const caller = this.#caller(req);
    const careless = (headers: http.OutgoingHttpHeaders): http.OutgoingHttpHeaders =>
      this.#careless && caller
        ? { ...headers, "x-request-token": caller.token, "set-cookie": `session=${caller.token}; HttpOnly` }
        : headers;
    const json = (status: number, value: unknown, headers: http.OutgoingHttpHeaders = {}) => {
      const text = JSON.stringify(value);
      res.writeHead(status, careless({ "content-type": "application/json", ...headers }));
      res.end(text);
    };
    if (!caller) {
      return json(401, { errors: [{ message: "Not Authorized" }] });
    }

    if ((path === "/graphql" || path === "/graphql/v2") && req.method === "POST") {
      const request = JSON.parse(body) as {
        query: string;
        variables?: Record<string, unknown>;
        operationName?: string;
      };
      try {
        call.fields = topLevelFields(request.query);
      } catch {
        call.fields = [];
      }
      const result = await graphql({
        schema: SCHEMA,
        source: request.query,
        rootValue: this.#resolvers(caller),
        variableValues: request.variables ?? {},
        operationName: request.operationName ?? null,
      });
      return json(200, result);
    }

    const backups = /^\/v1\/volumes\/([^/]+)\/backups$/.exec(path);
    if (backups) {
      // Like Rails, Laravel and Symfony: a POST may name the method it "really" is, and that is what runs.
      const method = effectiveMethod(req, body);
      call.effectiveMethod = method;
      const found = this.volumes.get(decodeURIComponent(backups[1]!));
      if (!found || found.environment !== caller.environment) {
        return json(404, { error: this.#notFound(caller, backups[1]!) });
      }
      if (method === "DELETE") {
        const deleted = found.backups.map((b) => b.id);
        found.backups = [];
        return json(200, { deleted });
      }
      if (method === "POST") {
        const backup = { id: `bak_new_${this.#nextId++}`, createdAt: new Date().toISOString() };
        found.backups.push(backup);
        return json(201, backup);
      }
      return json(405, { error: `${method} not allowed` });
    }
    const volume = /^\/v1\/volumes\/([^/]+)$/.exec(path);
    if (path === "/v1/volumes" && req.method === "GET") {
      return json(200, {
        volumes: [...this.volumes.values()].filter((v) => v.environment === caller.environment),
      });
    }
    if (volume && (req.method === "GET" || req.method === "DELETE")) {
      const found = this.volumes.get(decodeURIComponent(volume[1]!));
      if (!found || found.environment !== caller.environment) {
        return json(404, { error: this.#notFound(caller, volume[1]!) });
      }
      if (req.method === "DELETE") this.volumes.delete(found.id);
      return json(200, req.method === "DELETE" ? { deleted: found.id } : found);
    }
    if (path === "/v1/uploads" && req.method === "POST") {
      return json(200, { bytes: size, sha256: hash.digest("hex") });
    }
    if (path === "/v1/stream" && req.method === "GET") {
      // Slow chunks, with the caller's token split across two of them when careless.
      res.writeHead(200, careless({ "content-type": "text/plain" }));
      const secret = this.#careless ? caller.token : "no-secret-here";
      const half = Math.floor(secret.length / 2);
      for (const piece of [
        "line 1\n",
        `token=${secret.slice(0, half)}`,
        `${secret.slice(half)}\n`,
        "line 3\n",
      ]) {
        res.write(piece);
        await sleep(20);
      }
      res.end();
      return;
    }
    if (path === "/v1/gzip" && req.method === "GET") {
      // Compressed even though the proxy asked for identity, as some platforms do.
      const text = JSON.stringify({
        token: this.#careless ? caller.token : null,
        volumes: this.volumes.size,
      });
      const gzipped = gzipSync(text);
      res.writeHead(
        200,
        careless({
          "content-type": "application/json",
          "content-encoding": "gzip",
          "content-length": gzipped.length,
        }),
      );
      res.end(gzipped);
      return;
    }
    return json(404, { error: `no route ${req.method} ${path}` });
  }

  #caller(req: http.IncomingMessage): Caller | undefined {
    // Like Railway: a project token in Project-Access-Token, or a bearer token.
    const header = req.headers["project-access-token"];
    const token =
      typeof header === "string" ? header : /^Bearer (\S+)$/.exec(req.headers.authorization ?? "")?.[1];
    if (token === this.tokens.staging) return { token, environment: "staging" };
    if (token === this.tokens.production) return { token, environment: "production" };
    return undefined;
  }

  #notFound(caller: Caller, id: string): string {
    return this.#careless ? `volume ${id} not found for token ${caller.token}` : `volume ${id} not found`;
  }

  #ownVolume(caller: Caller, id: string): PlatformVolume {
    const found = this.volumes.get(id);
    if (!found || found.environment !== caller.environment) throw new Error(this.#notFound(caller, id));
    return found;
  }

  #resolvers(caller: Caller) {
    const view = (v: PlatformVolume) => ({ ...v, backups: v.backups.map((b) => ({ ...b, volumeId: v.id })) });
    const mine = () => [...this.volumes.values()].filter((v) => v.environment === caller.environment);
    return {
      volumes: () => mine().map(view),
      volume: ({ id }: { id: string }) => {
        const found = this.volumes.get(id);
        return found && found.environment === caller.environment ? view(found) : null;
      },
      backups: ({ volumeId }: { volumeId: string }) => view(this.#ownVolume(caller, volumeId)).backups,
      services: () => [...this.services.values()].filter((s) => s.environment === caller.environment),
      apiToken: () => (this.#careless ? caller.token : null),
      volumeCreate: ({ input }: { input: { name: string } }) => {
        const id = `vol_${caller.environment}_${input.name}_${this.#nextId++}`;
        this.addVolume(id, caller.environment, []);
        return view(this.volumes.get(id)!);
      },
      volumeDelete: ({ volumeId }: { volumeId: string }) => {
        // The incident: the backups were on the volume, so they go with it.
        this.volumes.delete(this.#ownVolume(caller, volumeId).id);
        return true;
      },
      backupCreate: ({ volumeId }: { volumeId: string }) => {
        const volume = this.#ownVolume(caller, volumeId);
        const backup = { id: `bak_new_${this.#nextId++}`, createdAt: new Date().toISOString() };
        volume.backups.push(backup);
        return { ...backup, volumeId };
      },
      backupDelete: ({ backupId }: { backupId: string }) => {
        for (const volume of mine()) {
          const index = volume.backups.findIndex((b) => b.id === backupId);
          if (index !== -1) {
            volume.backups.splice(index, 1);
            return true;
          }
        }
        throw new Error(`backup ${backupId} not found`);
      },
      serviceDelete: ({ id }: { id: string }) => {
        const service = this.services.get(id);
        if (!service || service.environment !== caller.environment)
          throw new Error(`service ${id} not found`);
        this.services.delete(id);
        return true;
      },
      deploymentCreate: ({ serviceId }: { serviceId: string }) => ({
        id: `dep_${this.#nextId++}`,
        serviceId,
        status: "BUILDING",
      }),
      environmentDelete: () => {
        throw new Error("environments cannot be deleted on this fake");
      },
    };
  }
}

export const startFakePlatform = (options: FakePlatformOptions = {}) => FakePlatform.start(options);

function topLevelFields(query: string): string[] {
  const fields: string[] = [];
  for (const definition of parse(query).definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    for (const selection of definition.selectionSet.selections) {
      if (selection.kind === Kind.FIELD) fields.push(selection.name.value);
    }
  }
  return fields;
}

/**
 * The method Rack::MethodOverride, Symfony and Laravel run for a POST: the X-HTTP-Method-Override header (CGI-style,
 * so `X_HTTP_METHOD_OVERRIDE` counts), else `_method` from the parsed body (form, multipart, or JSON as Laravel
 * reads it), else `_method` from the query, with PHP's parameter-name rules.
 */
function effectiveMethod(req: http.IncomingMessage, body: string): string {
  const method = req.method ?? "GET";
  if (method !== "POST") return method;
  for (const [name, value] of Object.entries(req.headers)) {
    if (name.replaceAll("_", "-") === "x-http-method-override" && typeof value === "string") {
      return value.toUpperCase();
    }
  }
  const header = req.headers["content-type"] ?? "";
  const contentType = header.toLowerCase();
  // PHP cuts the type at the first ";", "," or space (SAPI.c), Rack at ";" or "," (Rack::MediaType).
  const php = contentType.trim().split(/[;,\s]/)[0]!;
  const rack = contentType.split(/[;,]/)[0]!.trim();
  const media = (type: string) => php === type || rack === type;
  let params: Record<string, string> = {};
  // Laravel's isJson() looks for "/json" or "+json" anywhere in the header, parameters included.
  if (/\/json|\+json/.test(contentType)) params = jsonObject(body);
  else if (media("application/x-www-form-urlencoded") || php === "") params = phpParseStr(body);
  else if (media("multipart/form-data")) params = multipartFields(header, body);
  const query = phpParseStr((req.url ?? "").split("?")[1] ?? "");
  const override = params._method ?? query._method;
  return typeof override === "string" ? override.toUpperCase() : method;
}

/** A JSON body's members as Laravel's json() bag has them: nothing when it does not parse. */
function jsonObject(body: string): Record<string, string> {
  try {
    const parsed = JSON.parse(body || "{}");
    return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? parsed : {};
  } catch {
    return {};
  }
}

/** PHP's parse_str / php_register_variable_ex naming: NUL ends the name, leading spaces go, ` . [` become `_`. */
function phpParseStr(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of text.split("&")) {
    if (pair === "") continue;
    const [rawKey, rawValue = ""] = pair.split(/=(.*)/s);
    const decode = (v: string) => decodeURIComponent(v.replaceAll("+", " "));
    let name = decode(rawKey!).split("\0")[0]!.replace(/^ +/, "");
    let converted = "";
    for (let i = 0; i < name.length; i++) {
      const c = name[i]!;
      if (c === "[") {
        const close = name.indexOf("]", i);
        if (close === -1) {
          converted += `_${name.slice(i + 1)}`;
        } else converted += "";
        break;
      }
      converted += c === " " || c === "." ? "_" : c;
    }
    name = converted;
    if (name !== "") out[name] = decode(rawValue);
  }
  return out;
}

/** The text fields of a multipart/form-data body, as Rack and PHP read them. */
function multipartFields(contentType: string, body: string): Record<string, string> {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (!boundary) return {};
  const out: Record<string, string> = {};
  for (const part of body.split(`--${boundary}`)) {
    const split = part.indexOf("\r\n\r\n");
    if (split === -1) continue;
    const head = part.slice(0, split);
    const name = /content-disposition:[^\r\n]*\bname="([^"]*)"/i.exec(head)?.[1];
    if (name !== undefined) out[name] = part.slice(split + 4).replace(/\r\n$/, "");
  }
  return out;
}
