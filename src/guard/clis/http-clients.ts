// curl, wget, httpie/xh and raw socket clients: the method, URL, headers and body they would send, for the HTTP rules.
import type { Analysis } from "../analysis.ts";
import { flagSet, parseArgs } from "../args.ts";
import { type CommandTable, type Invocation, stdinText } from "../command.ts";
import { parseRawHttp } from "../http.ts";
import { unreadableFlagValues } from "../unreadable-code.ts";
import { literal } from "../word.ts";
import { judgeProjectFile } from "../written-scripts.ts";

const CURL_VALUES = flagSet(
  "-X",
  "--request",
  "-d",
  "--data",
  "--data-raw",
  "--data-binary",
  "--data-urlencode",
  "--data-ascii",
  "--json",
  "-F",
  "--form",
  "--form-string",
  "-T",
  "--upload-file",
  "-H",
  "--header",
  "-o",
  "--output",
  "--output-dir",
  "-u",
  "--user",
  "-A",
  "--user-agent",
  "-e",
  "--referer",
  "-b",
  "--cookie",
  "-c",
  "--cookie-jar",
  "-w",
  "--write-out",
  "--connect-timeout",
  "-m",
  "--max-time",
  "--retry",
  "-x",
  "--proxy",
  "--cacert",
  "--cert",
  "--key",
  "-K",
  "--config",
  "--resolve",
  "-E",
  "-r",
  "--range",
  "--limit-rate",
  "--url",
  "-z",
  "--time-cond",
  "--interface",
  "--dns-servers",
  "--oauth2-bearer",
  "--aws-sigv4",
  "--retry-delay",
  "--retry-max-time",
  "-Y",
  "-y",
  "--max-redirs",
  "--variable",
  "--expand-data",
  "--expand-url",
  "-U",
  "--proxy-user",
  "--capath",
  "--pinnedpubkey",
  "--unix-socket",
);

const DATA_FLAGS = [
  "-d",
  "--data",
  "--data-raw",
  "--data-binary",
  "--data-urlencode",
  "--data-ascii",
  "--json",
  "--expand-data",
];

function curl(inv: Invocation, an: Analysis): void {
  const stdin = stdinText(inv);
  const parsed = parseArgs([...inv.args, ...curlConfigArgs(inv.args, stdin, an)], {
    valueFlags: CURL_VALUES,
  });
  const urls = [...parsed.values("--url", "--expand-url"), ...parsed.positionals];
  // Form fields are read like a urlencoded body: a `_method` among them overrides the method. `-F` takes
  // `;type=…` and the like off the value.
  const data = [
    ...parsed.values(...DATA_FLAGS),
    ...parsed.values("-F", "--form").map((f) => f.replace(FORM_FIELD_ATTRIBUTES, "")),
    ...parsed.values("--form-string"),
  ];
  // `--data-urlencode _method@file`, `-F '_method=<file'`: the override's value is in a file the guard cannot read.
  const hiddenOverride = data.find((d) => OVERRIDE_FROM_FILE.test(d));
  if (hiddenOverride)
    an.uncertain(
      `curl sends ${hiddenOverride}, a method override read from a file the guard cannot read`,
      true,
    );
  const explicit = parsed.value("-X", "--request");
  const method =
    explicit?.toUpperCase() ??
    (parsed.has("-I", "--head")
      ? "HEAD"
      : parsed.has("-G", "--get")
        ? "GET"
        : parsed.has("-T", "--upload-file")
          ? "PUT"
          : data.length || parsed.has("-F", "--form")
            ? "POST"
            : "GET");
  // A body on stdin (`-d @-` fed by a heredoc or echo) is read like an inline one.
  const inline = data.map((d) => (d === "@-" && stdin !== null ? stdin : d));
  // A body that is only a command's output or a variable (`-d "$(cat q.json)"`) is as unseen as a file.
  const unread = new Set(unreadableFlagValues(inv, DATA_FLAGS).map((w) => w.text));
  const body = inline.filter((d) => !d.startsWith("@") && !unread.has(d)).join("&");
  const files = inline.filter((d) => d.startsWith("@") && d !== "@-").map((d) => d.slice(1));
  const opaqueBody = inline.some((d) => d.startsWith("@") || unread.has(d)) && !body;
  const named = files.find((f) => DESTRUCTIVE_FILE_NAME.test(f));
  if (named)
    an.uncertain(`curl sends ${named}, whose name says it deletes, and which the guard cannot read`, true);
  const { headers, opaqueHeaders } = curlHeaders(parsed.values("-H", "--header"), stdin);
  for (const url of urls.length ? urls : [""])
    an.nested.http({ method, url, body, opaqueBody, headers, opaqueHeaders });
  // Where the command is judged on its machine, the files it sends are read there: a body (a GraphQL mutation, a
  // bulk delete) and header lines (a method override) are judged as sent.
  for (const file of files)
    judgeProjectFile(an, "curl", literal(file), (text) => {
      for (const url of urls.length ? urls : [""])
        an.nested.http({ method, url, body: text, headers, opaqueHeaders });
    });
  for (const file of parsed.values("-H", "--header").filter((h) => h.startsWith("@") && h !== "@-"))
    judgeProjectFile(an, "curl", literal(file.slice(1)), (text) => {
      const fromFile = [...headers, ...text.split(/\r?\n/).filter(Boolean)];
      for (const url of urls.length ? urls : [""])
        an.nested.http({ method, url, body, opaqueBody, headers: fromFile });
    });
  // What it saves (`-o FILE`, `-O` under the URL's name) is a download a later command may run.
  const saved = [
    ...parsed.values("-o", "--output"),
    ...(parsed.has("-O", "--remote-name", "--remote-name-all") ? urls.map(urlFileName) : []),
  ];
  const directory = parsed.value("--output-dir");
  for (const file of saved)
    if (file !== "-")
      an.written.write(
        literal(directory && !file.startsWith("/") ? `${directory}/${file}` : file),
        null,
        downloadBy(inv),
      );
}

/** The name curl -O and wget save a URL under: its path's last segment, or wget's index.html. */
function urlFileName(url: string): string {
  const path = url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, "").replace(/[?#].*$/s, "");
  return path.slice(path.lastIndexOf("/") + 1) || "index.html";
}

function downloadBy(inv: Invocation): string {
  return [inv.argv[0]!.text, ...inv.args].join(" ");
}

const FORM_FIELD_ATTRIBUTES = /;\s*(?:type|filename|headers|encoder)=.*$/is;
const OVERRIDE_FROM_FILE =
  /^(?:_method|__method_override__|_httpmethod|x-http-method-override|x-http-method|x-method-override)(?:@|=[<@])/i;

/**
 * The options curl reads from `-K`/`--config`: a config read from stdin (`-K -`) is read like the command line
 * (`request = DELETE`, `-X DELETE`, `header = "…"`); a config file the guard cannot read may set any method, URL or
 * header, so it is asked about.
 */
function curlConfigArgs(args: readonly string[], stdin: string | null, an: Analysis): string[] {
  const configs = parseArgs(args, { valueFlags: CURL_VALUES }).values("-K", "--config");
  const out: string[] = [];
  for (const config of configs) {
    if (config === "-" && stdin !== null) out.push(...configLines(stdin));
    else
      an.uncertain(
        `curl reads options from ${config}, which the guard cannot read: they may set any method`,
        true,
      );
  }
  return out;
}

/** curl config lines (`name = value`, `name: value`, `--name value`, `-X DELETE`) as command-line words. */
function configLines(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(-{0,2}[\w-]+)(?:\s*[=:]\s*|\s+|$)(.*)$/.exec(line);
    if (!m || line.trimStart().startsWith("#")) continue;
    const name = m[1]!.startsWith("-") ? m[1]! : `--${m[1]}`;
    const value = m[2]!.trim();
    out.push(name);
    if (value) out.push(/^".*"$/s.test(value) ? value.slice(1, -1).replace(/\\(.)/g, "$1") : value);
  }
  return out;
}

/** curl's -H values; `@file` reads header lines from a file (`@-` from stdin), which the rules then cannot see. */
function curlHeaders(values: string[], stdin: string | null): { headers: string[]; opaqueHeaders: boolean } {
  const headers: string[] = [];
  let opaqueHeaders = false;
  for (const value of values) {
    if (!value.startsWith("@")) headers.push(value);
    else if (value === "@-" && stdin !== null) headers.push(...stdin.split(/\r?\n/));
    else opaqueHeaders = true;
  }
  return { headers, opaqueHeaders };
}

/** Request bodies kept in files named for what they do (`delete-project.graphql`, `drop_users.sql`). */
const DESTRUCTIVE_FILE_NAME = /(^|[/_.-])(delete|remove|drop|destroy|purge|wipe|truncate|reset|nuke)/i;

/** wgetrc commands (`-e method=DELETE`, `--execute 'header = …'`) that make the request, as the options they stand for. */
const WGETRC_OPTIONS: Record<string, string> = {
  method: "--method",
  header: "--header",
  postdata: "--post-data",
  bodydata: "--body-data",
  postfile: "--post-file",
  bodyfile: "--body-file",
};

/** wget's arguments with its `-e`/`--execute` wgetrc commands read as the options they set. */
function wgetArgs(args: readonly string[], an: Analysis): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const command =
      arg === "-e" || arg === "--execute"
        ? args[++i]
        : arg.startsWith("--execute=")
          ? arg.slice("--execute=".length)
          : /^-e./.test(arg)
            ? arg.slice(2)
            : undefined;
    if (command === undefined) {
      // A wgetrc file the guard cannot read may set any method, header or body.
      if (arg === "--config" || arg.startsWith("--config="))
        an.uncertain(`wget ${arg} reads settings the guard cannot read: they may set any method`, true);
      out.push(arg);
      continue;
    }
    const m = /^\s*([\w-]+)\s*=\s*(.*)$/s.exec(command);
    const option = m ? WGETRC_OPTIONS[m[1]!.toLowerCase().replace(/[_-]/g, "")] : undefined;
    if (option) out.push(`${option}=${m![2]!.trim()}`);
  }
  return out;
}

function wget(inv: Invocation, an: Analysis): void {
  const parsed = parseArgs(wgetArgs(inv.args, an), {
    valueFlags: flagSet(
      "--method",
      "--body-data",
      "--post-data",
      "-O",
      "--output-document",
      "--header",
      "-o",
      "-P",
      "--directory-prefix",
      "--body-file",
      "--post-file",
      "-U",
      "--user",
      "--password",
    ),
  });
  const body = parsed.value("--body-data", "--post-data");
  // An empty --post-data still makes a POST.
  const method =
    parsed.value("--method")?.toUpperCase() ?? (parsed.has("--post-data", "--post-file") ? "POST" : "GET");
  const opaqueBody = parsed.has("--body-file", "--post-file") && !body;
  const headers = parsed.values("--header");
  for (const url of parsed.positionals) an.nested.http({ method, url, body, opaqueBody, headers });
  const file = parsed.value("--body-file", "--post-file");
  if (file && !body)
    judgeProjectFile(an, "wget", literal(file), (text) => {
      for (const url of parsed.positionals) an.nested.http({ method, url, body: text, headers });
    });
  const document = parsed.value("-O", "--output-document");
  const prefix = parsed.value("-P", "--directory-prefix");
  const saved = document === undefined ? parsed.positionals.map(urlFileName) : [document];
  for (const file of saved)
    if (file !== "-")
      an.written.write(
        literal(prefix && !file.startsWith("/") ? `${prefix}/${file}` : file),
        null,
        downloadBy(inv),
      );
}

const HTTPIE_METHOD = /^[A-Za-z]+$/;

/** `http [flags] [METHOD] URL [items]`: data items (`k=v`, `k:=json`) imply POST. */
function httpie(inv: Invocation, an: Analysis): void {
  const parsed = parseArgs(inv.args, {
    valueFlags: flagSet(
      "-a",
      "--auth",
      "-A",
      "--auth-type",
      "-o",
      "--output",
      "--session",
      "--session-read-only",
      "-p",
      "--print",
      "--verify",
      "--cert",
      "--cert-key",
      "--proxy",
      "--timeout",
      "--pretty",
      "-s",
      "--style",
      "--format-options",
      "--raw",
    ),
  });
  const [first, ...rest] = parsed.positionals;
  if (!first) return;
  // `--offline` builds and prints the request without sending it.
  if (parsed.has("--offline")) {
    an.harmless(`${inv.name} --offline only prints the request`);
    return;
  }
  // Both read a first word of letters followed by more as the method, whatever the method and its case (`xh delete
  // …`, `http MOVE …`).
  const hasMethod = HTTPIE_METHOD.test(first) && rest.length > 0;
  const url = hasMethod ? (rest[0] ?? "") : first;
  const items = hasMethod ? rest.slice(1) : rest;
  const dataItems = items.filter((i) => /^[^:=]+(:=|==|=)/.test(i) && !/^[^:=]+==/.test(i));
  // `Name:value` (not `:=`) is a header.
  const headers = items.filter((i) => /^[^:=@]+:(?!=)/.test(i));
  const raw = parsed.value("--raw");
  const body = raw ?? (dataItems.length ? JSON.stringify(Object.fromEntries(dataItems.map(httpieItem))) : "");
  const method = hasMethod ? first.toUpperCase() : body ? "POST" : "GET";
  an.nested.http({
    method,
    url: /^[a-z]+:\/\//i.test(url) ? url : `http://${url.replace(/^:/, "localhost:")}`,
    body,
    headers,
  });
}

function httpieItem(item: string): [string, unknown] {
  const json = /^([^:=]+):=(.*)$/.exec(item);
  if (json) {
    try {
      return [json[1]!, JSON.parse(json[2]!)];
    } catch {
      return [json[1]!, json[2]];
    }
  }
  const eq = item.indexOf("=");
  return [item.slice(0, eq), item.slice(eq + 1)];
}

/**
 * Words that delete or stop in text protocols a socket client may speak by hand: Redis's inline and RESP commands
 * (`FLUSHALL`, `DEL key`), memcached's `flush_all` and `delete`, and SQL or shell words sent to a server.
 */
const DESTRUCTIVE_WIRE_WORD =
  /\b(?:flushall|flushdb|flush_all|del|unlink|delete|drop|truncate|shutdown|purge|remove|rm|erase|wipe|expire|getdel|config|debug|script|function|swapdb|migrate|restore|failover|replicaof|slaveof)\b/i;

/** nc, telnet, socat and `openssl s_client` send what they read on stdin (`< /dev/null` is nothing). */
function rawSocket(inv: Invocation, an: Analysis): void {
  if (inv.name === "openssl" && inv.args[0] !== "s_client") return;
  const text = stdinText(inv);
  // `echo Q | openssl s_client …` only tells s_client to quit.
  if (inv.name === "openssl" && text?.trim().toUpperCase() === "Q") return;
  const unseen = text === null && inv.piped && !/^<\s*\/dev\/null$/.test(inv.stdinHint);
  analyzeSocketData(inv.name, text, unseen ? inv.stdinHint : null, an);
}

/**
 * What a program sends down a raw socket (nc's stdin, a shell's `> /dev/tcp/host/port`): an HTTP request written out is
 * read as one. Anything else is a protocol the guard does not read (Redis's `FLUSHALL`, memcached's `flush_all`), and
 * data it cannot see (`unseen`: `< request.txt`, a pipe from a program) may be anything: both are asked about, as
 * destructive when their words or the file's name say so.
 */
export function analyzeSocketData(
  via: string,
  text: string | null,
  unseen: string | null,
  an: Analysis,
): void {
  if (text !== null) {
    const request = parseRawHttp(text);
    if (request) an.nested.http(request);
    else if (text.trim())
      an.uncertain(
        `${via} sends text the guard cannot read as a request (${clipText(text)})`,
        DESTRUCTIVE_WIRE_WORD.test(text),
      );
  } else if (unseen !== null)
    an.uncertain(
      `${via} sends data the guard cannot read (${clipText(unseen)})`,
      DESTRUCTIVE_FILE_NAME.test(unseen) || DESTRUCTIVE_WIRE_WORD.test(unseen),
    );
}

const clipText = (text: string) => {
  const line = text.trim().replace(/\s+/g, " ");
  return line.length > 60 ? `${line.slice(0, 57)}…` : line;
};

export const httpCommands: CommandTable = {
  nc: rawSocket,
  ncat: rawSocket,
  netcat: rawSocket,
  telnet: rawSocket,
  socat: rawSocket,
  openssl: rawSocket,
  curl,
  wget,
  http: httpie,
  https: httpie,
  xh: httpie,
  xhs: httpie,
};
