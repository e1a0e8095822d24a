// HTTP: method and path decide (DELETE deletes, PUT replaces, POST …/_delete_by_query deletes), bodies that switch a
// protection off count, and GraphQL carried over HTTP goes to the GraphQL rules.
import type { Analysis, HttpRequest, ToolCall } from "./analysis.ts";
import { analyzeCypher } from "./clis/cypher.ts";
import { machineCredentials } from "./exposure.ts";
import { statementsInRequest } from "./http-statements.ts";
import { instanceCredentialsRead } from "./instance-credentials.ts";
import {
  action,
  DESTRUCTIVE_VERBS,
  DISABLING_VERBS,
  namesSafetyNet,
  resourceName,
  splitWords,
} from "./vocabulary.ts";

const READ_METHODS = new Set(["GET", "HEAD", "OPTIONS", "TRACE"]);
/** A method as RFC 9110 spells one (`token`). */
const HTTP_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Z-]+$/;
/** WebDAV methods that write to the request's Destination header, replacing what is there by default. */
const WEBDAV_OVERWRITING = new Set(["MOVE", "COPY"]);
const ID_SEGMENT =
  /^(v\d+(\.\d+)?|api|\d+|[0-9a-f]{8,}|[a-z]{1,6}_[a-z0-9]*\d[a-z0-9_]*|[0-9a-f-]{32,36}|\{[^}]+\}|:[a-z_]+|_doc)$/i;
/**
 * Path words that name a destructive action; APIs also say `…/empty` (a bucket, a queue, the trash), expunge, and
 * decommission or deprovision for what they tear down.
 */
const PATH_VERBS = new Set(
  [...DESTRUCTIVE_VERBS, ...DISABLING_VERBS, "empty", "expunge", "decommission", "deprovision"].filter(
    (v) => !["clear", "reset", "flush", "ls", "rb", "rm", "del"].includes(v),
  ),
);
/**
 * A destroying verb written as one word with what it takes (etcd's `/v3/kv/deleterange`, `deleteall`, `purgeAll` in
 * lower case, `deletebyquery`).
 */
const GLUED_VERB =
  /^(?:delete|remove|purge|drop|destroy|wipe|erase)(?:range|all|many|batch|bulk|everything|multi|objects?|keys?|items?|records?|rows?|by[a-z]+)$/;
/** A segment that says what it purges or deletes is a cache (Cloudflare's `purge_cache`, `purgeCache`), which refills. */
const namesCache = (segment: string): boolean =>
  splitWords(segment).some((w) => w === "cache" || w === "caches");
/** Path verbs that are also nouns and adjectives a read may name. */
const NOUN_TOO = new Set(["empty"]);
const OFF_VALUE = /^(false|0|off|disabled?|suspended|none|no)$/i;
const ON_VALUE = /^(true|1|on|yes|enabled?)$/i;
/** Settings that permit history-destroying pushes or deleting a protected branch. */
const ALLOWS_DESTRUCTION = /^allow[_-]?(?:force[_-]?push(?:es)?|deletions?|delete)$/i;
const PROTECTION =
  /protect|mfa|two.?factor|2fa|encrypt|lock|logging|audit|security|retention|versioning|backup|enforcement|ruleset/i;

/** Parses `METHOD /path [body]`, or header lines and a body on the lines after it, as in API docs and transcripts. */
export function parseRawHttp(text: string): HttpRequest | null {
  const m = /^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+(\S+)(?:[ \t]+HTTP\/[\d.]+)?[ \t]*([\s\S]*)$/.exec(
    text.trim(),
  );
  if (!m || !(m[2]!.startsWith("/") || /^https?:\/\//i.test(m[2]!))) return null;
  const rest = m[3]!;
  if (!/^\r?\n/.test(rest)) return { method: m[1]!, url: m[2]!, body: rest.trim() };
  // Header lines follow the request line up to the first line that is not one (a blank line, then the body).
  // A line starting with a space or tab continues the header before it (obsolete folding some servers still read).
  const lines = rest.replace(/^\r?\n/, "").split(/\r?\n/);
  const headers: string[] = [];
  let at = 0;
  for (; at < lines.length; at++) {
    const line = lines[at]!;
    if (HEADER_LINE.test(line)) headers.push(line);
    else if (headers.length && FOLDED_LINE.test(line)) headers[headers.length - 1] += ` ${line.trim()}`;
    else break;
  }
  return { method: m[1]!, url: m[2]!, body: lines.slice(at).join("\n").trim(), headers };
}

const HEADER_LINE = /^[A-Za-z][\w-]*[ \t]*:/;

/** Whether the headers say `Overwrite: F`, WebDAV's only way to keep an existing Destination. */
function noOverwrite(headers: readonly string[]): boolean {
  return headers.some((h) => /^overwrite[ \t]*:[ \t]*f[ \t]*$/i.test(h));
}
const FOLDED_LINE = /^[ \t]+\S/;

export function analyzeHttp(req: HttpRequest, an: Analysis): void {
  const url = safeUrl(req.url);
  // The URL as the client sends it: a host in decimal or hex is the dotted address, the path as resolved.
  const machine = instanceCredentialsRead(url ? `${url.protocol}//${url.host}${url.pathname}` : req.url, {
    request: true,
  });
  if (machine) an.uncertain(machineCredentials(machine), false);
  const path = url?.pathname ?? req.url;
  const body = parseBody(req.body ?? "");
  const override = methodOverride(url, body, req.body ?? "", req.headers ?? []);
  const sent = override?.method ?? req.method;
  // Clients send the method as written; servers that split the request line at any run of whitespace (Python's
  // http.server and the frameworks built on it) read `-X 'DELETE '` as DELETE, and stricter ones refuse it.
  const method = sent.trim().toUpperCase();
  const graphql = graphqlPayload(body, url, req.body ?? "");
  if (graphql) {
    an.nested.graphql(graphql.query, graphql.variables);
    return;
  }
  // A database's HTTP interface runs the statement the request carries; reads (GET) are read-only there.
  if (!READ_METHODS.has(method)) {
    const statements = statementsInRequest(url, body, req.body ?? "");
    if (statements.sql.length || statements.cypher.length) {
      for (const text of statements.sql) an.nested.sql(text);
      for (const text of statements.cypher) analyzeCypher(text, an);
      return;
    }
  }
  const segments = path
    .split("/")
    .filter(Boolean)
    .map((s) => safeDecode(s));
  const nouns = segments.filter((s) => !ID_SEGMENT.test(s) && !/^_/.test(s));
  const resource = resourceName(splitWords(nouns.at(-1) ?? "resource"));
  const verbSegment = segments
    .slice(-2)
    .find(
      (s) =>
        splitWords(s).some((w) => PATH_VERBS.has(w) || GLUED_VERB.test(w)) &&
        !endsSomethingEphemeral(s, nouns) &&
        !namesCache(s),
    );
  const pathText = segments.join(" ");
  const shown = override ? `${req.method.toUpperCase()} ${path} with ${override.via}` : `${method} ${path}`;
  if (!HTTP_TOKEN.test(method)) {
    an.uncertain(
      `${JSON.stringify(sent)} ${path}: a method that is not one HTTP token, which servers read differently`,
      true,
      action(resource, "delete"),
    );
    return;
  }
  // A header file may hold a method override: a write whose headers the guard cannot read may be a DELETE.
  if (req.opaqueHeaders && !READ_METHODS.has(method) && method !== "DELETE") {
    an.uncertain(
      `${shown} sends headers from a file the guard cannot read, which may override the method`,
      true,
      action(resource, "delete"),
    );
  }

  const queryVerb = actionInQuery(url);
  if (READ_METHODS.has(method)) {
    // "empty" also names what is read (`/empty-state.json`, `/templates/empty`); only a write empties.
    if (verbSegment && splitWords(verbSegment).some((w) => PATH_VERBS.has(w) && !NOUN_TOO.has(w)))
      an.uncertain(
        `${shown}: a read method on a path that says "${verbSegment}"`,
        true,
        action(resource, "delete"),
      );
    // Admin APIs act on a GET's query (Solr's `collections?action=DELETE`); a log or search may only filter by it.
    else if (queryVerb)
      an.uncertain(
        `${shown}: a read method whose query asks for "${queryVerb}"`,
        true,
        action(resource, "delete"),
      );
    else an.harmless(`${shown} only reads`, action(resource, "read"));
    return;
  }
  if (method === "DELETE" && ACTIONS_CACHE.test(path)) {
    an.harmless(`${shown} deletes a GitHub Actions cache, which the next run that misses it rebuilds`);
    return;
  }
  if (method === "DELETE") {
    if (namesSafetyNet(pathText))
      an.destroysSafetyNet(`${shown} deletes a safety net`, action(resource, "delete"));
    else an.destroys(`${shown} deletes ${resource}`, action(resource, "delete"));
    return;
  }
  if (WEBDAV_OVERWRITING.has(method) && !noOverwrite(req.headers ?? [])) {
    an.destroys(
      `${shown} ${method === "MOVE" ? "moves" : "copies"} ${resource} over its Destination, replacing what is there (WebDAV overwrites unless "Overwrite: F")`,
      action(resource, "overwrite"),
    );
    return;
  }
  if (verbSegment) {
    const disabling = splitWords(verbSegment).some((w) => DISABLING_VERBS.has(w));
    const target = resourceName(splitWords(nouns.filter((n) => n !== verbSegment).at(-1) ?? resource));
    if (namesSafetyNet(pathText))
      an.destroysSafetyNet(
        `${shown} ${disabling ? "switches off" : "destroys"} a safety net`,
        action(target, disabling ? "disable" : "delete"),
      );
    else
      an.destroys(
        `${shown} ${disabling ? "switches a protection off" : `runs "${verbSegment}"`}`,
        action(target, disabling ? "disable" : "delete"),
      );
    return;
  }
  if (/(^|\/)refs\//.test(path) && isForced(body)) {
    an.destroys(`${shown} force-moves a git ref, dropping the commits it pointed to`, "history:rewrite");
    return;
  }
  const restoreAt = segments.findIndex((s) => RESTORE_SEGMENT.test(s));
  if (
    restoreAt >= 0 &&
    (RESTORE_SOURCE.test(`${url?.search ?? ""} ${req.body ?? ""}`) ||
      namesSafetyNet(segments.slice(0, restoreAt).join(" ")))
  ) {
    const target = resourceName(
      splitWords(nouns.filter((n) => !RESTORE_SEGMENT.test(n)).at(-1) ?? "resource"),
    );
    an.destroys(
      `${shown} restores ${target} from an earlier copy over its current data`,
      action(target, "overwrite"),
    );
    return;
  }
  if (segments.some((s) => s === "_update_by_query")) {
    an.destroys(`${shown} overwrites every matching document`, action(resource, "update"));
    return;
  }
  // Settings travel in the query string too (`POST …/protected_branches?allow_force_push=true`).
  const query = url?.search ? Object.fromEntries(url.searchParams) : undefined;
  const switchedOff = protectionsSwitchedOff({ query, body }, segments.slice(-2).join(" "));
  if (switchedOff) {
    if (namesSafetyNet(switchedOff))
      an.destroysSafetyNet(
        `${shown} switches ${switchedOff} off`,
        action(resourceName(splitWords(switchedOff)), "disable"),
      );
    else an.destroys(`${shown} switches ${switchedOff} off`, action(resource, "disable"));
    return;
  }
  const published = (method === "PATCH" || method === "PUT") && madePublic(query, body);
  if (published) {
    an.destroys(`${shown} makes ${resource} public (${published})`, action(resource, "publish"));
    return;
  }
  const resetting = resetOfData(segments, nouns);
  if (resetting) {
    an.destroys(`${shown} ${resetting}`, action(resource, "reset"));
    return;
  }
  const closing = closureOfAccount(segments, nouns);
  if (closing) {
    const account = resourceName(splitWords(nouns.filter((n) => n !== segments.at(-1)).at(-1) ?? "account"));
    an.destroys(`${shown} ${closing}`, action(account, "close"));
    return;
  }
  const rebuilt = serverRebuild(segments, body);
  if (rebuilt) {
    an.destroys(`${shown} ${rebuilt}`, action("disk", "overwrite"));
    return;
  }
  const final = finalBillingStep(method, segments);
  if (final) {
    an.destroys(`${shown} ${final}`, action(resource, "finalize"));
    return;
  }
  const marked = deletionMarkInBody(body);
  if (marked) {
    an.destroys(`${shown} marks ${resource} deleted (${marked})`, action(resource, "delete"));
    return;
  }
  const calls = toolCalls(body);
  if (calls.length) {
    // An MCP server's tools, called over JSON-RPC: judged as the hook judges an agent's own tool calls.
    const before = an.findings.length;
    for (const call of calls) an.nested.toolCall(call);
    if (an.findings.slice(before).some((f) => f.destructive)) return;
  }
  // Solr's update handler and Elasticsearch's and OpenSearch's _bulk take deletions as commands in the body.
  if (DELETE_COMMAND_IN_BODY.test(req.body ?? "")) {
    an.destroys(`${shown} sends delete commands in its body`, action(resource, "delete"));
    return;
  }
  const bodyVerb = searches(segments) ? undefined : actionInBody(body);
  if (bodyVerb) {
    an.destroys(`${shown} asks for "${bodyVerb}" in its body`, action(resource, "delete"));
    return;
  }
  if (queryVerb) {
    an.destroys(`${shown} asks for "${queryVerb}" in its query`, action(resource, "delete"));
    return;
  }
  // IMDSv2 (AWS, Alibaba) hands out a metadata session token for a PUT: nothing is stored.
  if (method === "PUT" && /^\/latest\/api\/token\/?$/.test(path)) {
    an.harmless(`${shown} asks the instance metadata service for a session token`);
    return;
  }
  if (SNAPSHOT_CREATION.test(segments.join("/")) && (method === "PUT" || method === "POST")) {
    an.harmless(`${shown} takes a snapshot under a new name`, action("snapshot", "create"));
    return;
  }
  if (method === "PUT")
    an.destroys(`${shown} replaces whatever is stored at that path`, action(resource, "overwrite"));
  else if (req.opaqueBody)
    an.uncertain(
      `${shown} sends a body the guard cannot read`,
      false,
      action(resource, method === "POST" ? "create" : "update"),
    );
  else an.harmless(`${shown}`, action(resource, method === "POST" ? "create" : "update"));
}

/** GitHub's Actions caches of a repository, by key (`?key=…`) or id: `gh cache delete` over REST. */
const ACTIONS_CACHE = /(?:^|\/)repos\/[^/]+\/[^/]+\/actions\/caches(?:\/\d+)?\/?$/;

/**
 * Elasticsearch's and OpenSearch's `PUT /_snapshot/<repository>/<snapshot>`: a new snapshot, refused when the name is
 * taken, so nothing stored is replaced (`_restore`, `_clone` and the repository's own settings are other requests).
 */
const SNAPSHOT_CREATION = /^_snapshot\/[^/_][^/]*\/[^/_][^/]*$/;

/**
 * `<delete><query>*:*</query></delete>`, `{"delete": {"query": …}}`, a bulk line `{"delete": {"_id": …}}`, and the
 * aliases API's `{"remove_index": …}`, which deletes the index.
 */
const DELETE_COMMAND_IN_BODY = /(?:^|\n)\s*(?:<delete\b|\{\s*"delete"\s*:)|"remove_index"\s*:/;

/** Query, form and JSON fields frameworks read as the request's method, in any case: `_method` (Rails, Laravel,
 * Symfony, Express's method-override; `_METHOD` in Slim), `__METHOD_OVERRIDE__` (the middleware Flask's docs give),
 * `_HttpMethod` (Salesforce) and the override headers' names used as fields. */
const OVERRIDE_FIELD =
  /^(?:_method|__method_override__|_httpmethod|x-http-method-override|x-http-method|x-method-override)$/i;
/** Headers frameworks read as the request's method: X-HTTP-Method-Override (Google APIs, ASP.NET, Express's
 * method-override), X-HTTP-Method (OData, SharePoint) and X-Method-Override. */
const OVERRIDE_HEADER = /^\s*(x-(?:http-)?method(?:-override)?)\s*:(.*)$/i;
const METHOD_NAME = /^[a-z]+$/i;
const FORM_BODY = /^[\w.[\]%-]+=/;

/**
 * The method a server framework reads from the request itself instead of its request line: an override field in
 * the query string or in a form or JSON body, or an override header. Frameworks differ on which of several wins
 * (the first, the last, the body's, the header's), so the one that destroys most counts.
 */
function methodOverride(
  url: URL | null,
  body: unknown,
  rawBody: string,
  headers: readonly string[],
): { method: string; via: string } | undefined {
  const found: { method: string; via: string }[] = [];
  const field = (name: string, value: unknown) => {
    if (!OVERRIDE_FIELD.test(name)) return;
    for (const v of [value].flat()) {
      const method = typeof v === "string" ? v.trim() : "";
      if (METHOD_NAME.test(method))
        found.push({ method: method.toUpperCase(), via: `${name}=${method.toUpperCase()}` });
    }
  };
  if (url) for (const [name, value] of url.searchParams) field(name, value);
  const raw = rawBody.trim();
  if (body && typeof body === "object" && !Array.isArray(body) && !FORM_BODY.test(raw))
    for (const [name, value] of Object.entries(body)) field(name, value);
  // Anything else is also read as a form, as a server reading the fields would (`&_method=…`, `a=1;_method=…`), and
  // all of a form's repeated fields count (its parsed object keeps only the last).
  else for (const [name, value] of new URLSearchParams(raw.replace(/;/g, "&"))) field(name, value);
  // A header's value may list several methods or quote one (`GET, DELETE`, `"DELETE"`): each counts.
  for (const header of headers) {
    const m = OVERRIDE_HEADER.exec(header);
    if (!m) continue;
    for (const word of m[2]!.split(/[\s,;"']+/))
      if (METHOD_NAME.test(word))
        found.push({ method: word.toUpperCase(), via: `${m[1]}: ${word.toUpperCase()}` });
  }
  return found.sort((a, b) => overrideRank(b.method) - overrideRank(a.method))[0];
}

const OVERRIDE_RANK = ["DELETE", "PUT", "PATCH", "POST"];
const overrideRank = (method: string) => {
  const at = OVERRIDE_RANK.indexOf(method);
  return at < 0 ? 0 : OVERRIDE_RANK.length - at;
};

/** A `force` that a server reads as true: JSON's true, or what forms and loose parsers take for it. */
function isForced(body: unknown): boolean {
  if (!body || typeof body !== "object") return false;
  const force = (body as Record<string, unknown>).force;
  return force === true || force === 1 || (typeof force === "string" && /^(?:true|1|yes|on)$/i.test(force));
}

/**
 * A restore in place (`POST …/databases/main/restore`), told from an undelete by naming where the data comes from: a
 * snapshot, a time, a version, or a copy anywhere (a file, a path, a URL of any scheme, `file://` too, a dump), in
 * the query or body, or in the path before it (`POST …/backups/bk_42/restore`, `POST /_snapshot/repo/snap/_restore`).
 */
const RESTORE_SEGMENT = /(^|[:_-])restore$/i;
const RESTORE_SOURCE =
  /snap|backup|point|time|date|recovery|as[\s_-]?of|source|from|pitr|checkpoint|version|revision|generation|file|path|ur[il]|location|dump|archive|image|bucket|object|blob|artifact|export|src|origin|[a-z][a-z0-9+.-]*:\/\/|(?:^|[\s"'=:])\.{0,2}\/\w|\.(?:dump|sql|bak|tar|tgz|gz|zip|zst|xz|bz2|bson|rdb|snap|db|sqlite3?|archive)\b/i;

function safeUrl(raw: string): URL | null {
  const href = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw)
    ? raw
    : `http://${raw.startsWith("/") ? `localhost${raw}` : raw}`;
  // Asked first rather than caught: Node's URL error records the whole stack, which costs more than the parse.
  return URL.canParse(href) ? new URL(href) : null;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * Body fields that name the operation an endpoint performs (`{"action": "delete"}`, `op=purge`), and JSON-RPC's
 * `method` (`{"jsonrpc": "2.0", "method": "users.delete"}`).
 */
const ACTION_FIELD = /^(?:action|op|operation|command|cmd|verb|type|method)$/i;

/** A destructive verb that a body's action field asks for, at the top level or in its items; undefined otherwise. */
function actionInBody(body: unknown, depth = 0): string | undefined {
  if (!body || typeof body !== "object" || depth > 6) return undefined;
  const entries = Array.isArray(body) ? body.map((v) => ["", v] as const) : Object.entries(body);
  for (const [key, value] of entries) {
    if (typeof value === "string" && ACTION_FIELD.test(key)) {
      const verb = splitWords(value).find((w) => PATH_VERBS.has(w));
      if (verb) return value;
    } else if (value && typeof value === "object") {
      const inner = actionInBody(value, depth + 1);
      if (inner) return inner;
    }
  }
  return undefined;
}

/** Query parameters that name the operation an endpoint performs (`?action=DELETE&name=products`, `?op=purge`). */
const QUERY_ACTION_FIELD = /^(?:action|op|operation|command|cmd|verb)$/i;

/** A destructive verb that an action parameter of the URL's query asks for; undefined otherwise. */
function actionInQuery(url: URL | null): string | undefined {
  if (!url?.search) return undefined;
  for (const [key, value] of url.searchParams)
    if (QUERY_ACTION_FIELD.test(key) && splitWords(value).some((w) => PATH_VERBS.has(w))) return value;
  return undefined;
}

/**
 * Elasticsearch's and OpenSearch's read APIs (`_search`, `_count`, `_msearch`, `_sql`…): their body is a query, whose
 * `"action": "delete"` is a value to match, not a command. `_bulk`, `_delete_by_query` and `_update_by_query` write.
 */
const SEARCH_SEGMENT =
  /^_(?:search|msearch|count|explain|validate|field_caps|mget|async_search|terms_enum|knn_search|sql|search_template|msearch_template)$/;

const searches = (segments: readonly string[]): boolean => segments.some((s) => SEARCH_SEGMENT.test(s));

/**
 * What ending loses nothing stored: terminating a login session, a connection or a call only ends it. Only
 * `terminate` is read so; `…/sessions/7/delete` and `…/sessions/purge` still delete.
 */
const EPHEMERAL_RESOURCE =
  /^(?:sessions?|connections?|calls?|meetings?|conversations?|chats?|logins?|websockets?|tunnels?|queries)$/i;

function endsSomethingEphemeral(segment: string, nouns: readonly string[]): boolean {
  const verbs = splitWords(segment).filter((w) => PATH_VERBS.has(w));
  if (!verbs.every((w) => w === "terminate")) return false;
  // The word before the verb names what ends, unless it is an id (`sessions/abc/terminate`); a collection after the
  // session (`sessions/7/instances/terminate`) is what ends then.
  const [before, last] = nouns.filter((n) => n !== segment).slice(-2);
  const ephemeral = (n: string | undefined) => EPHEMERAL_RESOURCE.test(splitWords(n ?? "").at(-1) ?? "");
  return last === undefined ? ephemeral(before) : ephemeral(last) || (ephemeral(before) && !/s$/i.test(last));
}

/** MCP's `tools/call` messages (JSON-RPC, alone or in a batch): the tool's name in `params.name`, its arguments. */
function toolCalls(body: unknown): ToolCall[] {
  const calls: ToolCall[] = [];
  for (const message of Array.isArray(body) ? body : [body]) {
    if (!message || typeof message !== "object") continue;
    const { method, params } = message as {
      method?: unknown;
      params?: { name?: unknown; arguments?: unknown };
    };
    if (method === "tools/call" && typeof params?.name === "string")
      calls.push({ name: params.name, input: params.arguments ?? {} });
  }
  return calls;
}

/**
 * An update that opens what was private to everyone: GitHub's `{"private": false}` and `{"visibility": "public"}` on a
 * repository, GitLab's `visibility=public` on a project. Creating something public publishes nothing that was private.
 */
function madePublic(query: Record<string, string> | undefined, body: unknown): string | undefined {
  for (const fields of [query, body]) {
    if (!fields || typeof fields !== "object" || Array.isArray(fields)) continue;
    for (const [name, value] of Object.entries(fields)) {
      const text = String(value).toLowerCase();
      if (/^private$/i.test(name) && (value === false || text === "false")) return `${name}: false`;
      if (/^(?:visibility|repository_visibility)$/i.test(name) && text === "public") return `${name}: public`;
    }
  }
  return undefined;
}

/** Resources whose reset or clearing loses stored data (a password reset or cleared notifications lose none). */
const DATA_RESOURCE =
  /^(?:databases?|dbs?|tables?|index|indexes|indices|collections?|buckets?|queues?|stores?|storage|volumes?|disks?|clusters?|instances?|projects?|repos?|repositories|namespaces?|environments?|envs?|data|datasets?|schemas?|devices?|workspaces?|sites?|apps?|applications?|streams?|topics?|keyspaces?|branch(?:es)?|state|ledger|tenants?)$/i;

/**
 * `POST …/databases/main/reset`, `…/devices/7/factory-reset`, `…/queues/q/clear`: reset and clear are path verbs only
 * where what they act on holds data; a factory reset always loses it.
 */
function resetOfData(segments: readonly string[], nouns: readonly string[]): string | null {
  const last = segments.at(-1) ?? "";
  const words = splitWords(last);
  if (words.includes("factory") && words.includes("reset")) return "factory-resets it, erasing what it holds";
  if (!words.some((w) => w === "reset" || w === "clear" || w === "reinitialize" || w === "reinit"))
    return null;
  // The segment may name what it resets itself: `…/admin/reset-database`, `…/clearTable`.
  const named = words.find((w) => DATA_RESOURCE.test(w));
  if (named) return `runs "${last}", losing what the ${named} holds`;
  const target = nouns
    .filter((n) => n !== last)
    .slice(-2)
    .find((n) => DATA_RESOURCE.test(splitWords(n).at(-1) ?? ""));
  return target ? `runs "${last}" on ${target}, losing what it holds` : null;
}

/** What a bank, a billing system or a SaaS closes for good, with what it holds (a closed issue or connection loses nothing). */
const ACCOUNT_RESOURCE =
  /^(?:accounts?|tenants?|organi[sz]ations?|orgs?|workspaces?|wallets?|customers?|merchants?|subaccounts?)$/i;

/** `POST …/accounts/42/close`, `…/tenants/acme/closure`: close is a path verb only where an account is closed. */
function closureOfAccount(segments: readonly string[], nouns: readonly string[]): string | null {
  const last = segments.at(-1) ?? "";
  if (!splitWords(last).some((w) => w === "close" || w === "closure")) return null;
  const target = nouns
    .filter((n) => n !== last)
    .slice(-2)
    .find((n) => ACCOUNT_RESOURCE.test(splitWords(n).at(-1) ?? ""));
  return target ? `closes ${target}, and what it holds with it` : null;
}

/** Actions that write a fresh image over a server's disk; as an action's type, `restore` writes a backup image. */
const REBUILD = /^(?:rebuild|reinstall|reimage)$/i;
const REBUILD_TYPE = /^(?:rebuild|reinstall|reimage|restore)$/i;
const SERVER_RESOURCE = /^(?:servers?|instances?|droplets?|linodes?|machines?|vms?|nodes?)$/i;

/**
 * A server rebuilt or restored in place: `POST …/servers/1/actions/rebuild` (Hetzner), `…/instances/1/rebuild`
 * (Linode), `POST …/droplets/1/actions {"type": "rebuild"}` (DigitalOcean). What its disk held is gone.
 */
function serverRebuild(segments: readonly string[], body: unknown): string | null {
  const last = segments.at(-1) ?? "";
  const typed =
    /^actions?$/i.test(last) && body && typeof body === "object" && !Array.isArray(body)
      ? (body as Record<string, unknown>).type
      : undefined;
  const verb = REBUILD.test(last)
    ? last
    : typeof typed === "string" && REBUILD_TYPE.test(typed)
      ? typed
      : undefined;
  if (!verb) return null;
  const server = segments.slice(-4, -1).find((s) => SERVER_RESOURCE.test(s));
  return server
    ? `${verb.toLowerCase()}s the ${server.replace(/s$/, "")} in place: its disk is overwritten`
    : null;
}

/** Billing documents that a void makes final: a voided invoice or credit note cannot be reopened or paid. */
const VOIDABLE = /^(?:invoices?|credit_?notes?|bills?|receipts?)$/i;
/** Recurring billing that a cancel ends for good: Stripe, for one, cannot reactivate a canceled subscription. */
const CANCELLABLE_BILLING = /^(?:subscriptions?|subscription_?schedules?|memberships?)$/i;

/**
 * Billing steps that cannot be taken back: `POST …/invoices/in_1/void`, `POST …/subscription_schedules/s_1/cancel`,
 * and a refund (`POST /v1/refunds`, `POST …/captures/c_1/refund`), after which the money is gone. Updating a refund
 * (`POST /v1/refunds/re_1`) or cancelling a pending one is not.
 */
function finalBillingStep(method: string, segments: readonly string[]): string | null {
  if (method !== "POST") return null;
  const last = (segments.at(-1) ?? "").toLowerCase();
  // The collection the document's id sits in: `invoices` in `…/invoices/in_1/void`.
  const owner = (pattern: RegExp) => segments.slice(-3, -1).find((s) => pattern.test(s));
  const voided = last === "void" ? owner(VOIDABLE) : undefined;
  if (voided) return `voids ${voided}: it cannot be reopened`;
  const cancelled = last === "cancel" ? owner(CANCELLABLE_BILLING) : undefined;
  if (cancelled) return `cancels ${cancelled} for good`;
  if (last === "refund" || last === "refunds") return "refunds a payment: the money is gone";
  return null;
}

/** Fields that mark a record deleted: `{"deleted": true}`, `{"_destroy": "1"}` (Rails), `{"status": "deleted"}`. */
const DELETION_FLAG =
  /^(?:_?destroy|_?delete|deleted|is_?deleted|to_?delete|marked_?for_?deletion|purge|purged)$/i;
const STATE_FIELD = /^(?:status|state|lifecycle_?state)$/i;
const DELETED_STATE = /^(?:deleted|destroyed|purged|terminated|removed)$/i;

function deletionMarkInBody(body: unknown, depth = 0): string | undefined {
  if (!body || typeof body !== "object" || depth > 6) return undefined;
  const entries = Array.isArray(body) ? body.map((v) => ["", v] as const) : Object.entries(body);
  for (const [field, value] of entries) {
    // A form's nested field is named by its last bracket: `user[addresses_attributes][0][_destroy]`.
    const key = field.replace(/^.*\[([^\]]*)\]$/, "$1");
    if (
      DELETION_FLAG.test(key) &&
      (value === true || value === 1 || (typeof value === "string" && ON_VALUE.test(value)))
    )
      return `${key}: ${String(value)}`;
    if (STATE_FIELD.test(key) && typeof value === "string" && DELETED_STATE.test(value))
      return `${key}: ${value}`;
    if (value && typeof value === "object") {
      const inner = deletionMarkInBody(value, depth + 1);
      if (inner) return inner;
    }
  }
  return undefined;
}

function parseBody(body: string): unknown {
  const trimmed = body.trim();
  if (!trimmed) return undefined;
  if (/^[{[]/.test(trimmed)) {
    try {
      return JSON.parse(trimmed);
    } catch {
      return trimmed;
    }
  }
  if (FORM_BODY.test(trimmed)) return Object.fromEntries(new URLSearchParams(trimmed));
  return trimmed;
}

function graphqlPayload(
  body: unknown,
  url: URL | null,
  raw: string,
): { query: string; variables?: unknown } | null {
  const fromObject = (o: unknown) => {
    if (o && typeof o === "object" && typeof (o as { query?: unknown }).query === "string") {
      const { query, variables } = o as { query: string; variables?: unknown };
      return { query, variables: typeof variables === "string" ? safeJson(variables) : variables };
    }
    return null;
  };
  const found = Array.isArray(body) ? fromObject(body[0]) : fromObject(body);
  if (found) return found;
  if (url && /graphql/i.test(url.pathname)) {
    const query = url.searchParams.get("query");
    if (query) return { query, variables: safeJson(url.searchParams.get("variables") ?? "") };
    if (/^\s*(mutation|query|\{)/.test(raw)) return { query: raw };
  }
  return null;
}

function safeJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

/** The name of a protection the body turns off (`{"deletion_protection": false}`, `{"enabled": false}` under /versioning). */
function protectionsSwitchedOff(body: unknown, context: string): string | null {
  let found: string | null = null;
  const visit = (value: unknown, key: string, parent: string) => {
    if (found) return;
    if (value && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) visit(v, k, key);
      return;
    }
    // `allow_force_pushes: true`, `allow_deletions: true` (GitHub, GitLab branch protection) switch a guard off by
    // switching a permission on.
    const permits = ALLOWS_DESTRUCTION.exec(key);
    if (permits && ON_VALUE.test(String(value))) {
      found = `branch protection (${key} = ${String(value)})`;
      return;
    }
    if (!OFF_VALUE.test(String(value))) return;
    // `{"enabled": false}` says nothing by itself: the path (…/versioning) names what is switched off.
    // `{"pitr": {"enabled": false}}`: the enclosing field names it, else the path does.
    const subject = /^(enabled?|status|state|active)$/i.test(key)
      ? `${splitWords(parent).join(" ")} ${context}`.trim()
      : splitWords(key).join(" ");
    if (namesSafetyNet(subject) || PROTECTION.test(subject)) found = subject;
  };
  if (body && typeof body === "object") visit(body, "", "");
  return found;
}
