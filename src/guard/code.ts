// Inline code (`python -c`, `node -e`, `rails runner`, `mongosh --eval`, Redis Lua): there is no parser for every
// language here, so known destructive calls are matched, and the strings handed to shells and SQL drivers are
// classified as shell and SQL.
import type { Analysis, CodeLanguage } from "./analysis.ts";
import { analyzeWriteTarget, judgeDeletion } from "./clis/files.ts";
import { analyzeRedisCommand, judgeComputedRedisCalls } from "./clis/redis.ts";
import { analyzeCommandCalls } from "./code-commands.ts";
import { resolveNames } from "./code-names.ts";
import { machineCredentials } from "./exposure.ts";
import { metadataServiceInCode } from "./instance-credentials.ts";
import { literal } from "./word.ts";

type CodeRule = [RegExp, (m: RegExpExecArray, an: Analysis) => void];

// A quoted string: group `q` is the quote, `s` the contents.
const STR = String.raw`(?<q>['"\`])(?<s>(?:\\.|(?!\k<q>)[^\\])*)\k<q>`;
// A second quoted string in the same pattern (a copy's destination): groups `q2` and `s2`.
const STR2 = String.raw`(?<q2>['"\`])(?<s2>(?:\\.|(?!\k<q2>)[^\\])*)\k<q2>`;
const re = (source: string, flags = "g") =>
  new RegExp(source.replaceAll("STR2", STR2).replaceAll("STR", STR), flags);
const strings = (text: string) => [...text.matchAll(re(STR))].map((m) => m.groups!.s!);
const contents = (m: RegExpExecArray) => m.groups?.s;

const shell = (m: RegExpExecArray, an: Analysis) => {
  const s = contents(m);
  if (s !== undefined) an.nested.shell(s);
};
const sql = (m: RegExpExecArray, an: Analysis) => {
  const s = contents(m);
  if (s !== undefined) an.nested.sql(s);
};
const deletes = (what: string) => (m: RegExpExecArray, an: Analysis) => {
  const path = contents(m);
  if (path !== undefined) judgeDeletion(what, [literal(path)], an);
  else an.destroys(`${what} deletes files`, "file:delete");
};
const destroys = (reason: string, actionName: string) => (_m: RegExpExecArray, an: Analysis) =>
  an.destroys(reason, actionName);
const truncates = (what: string) => (m: RegExpExecArray, an: Analysis) =>
  an.destroys(`${what} cuts ${contents(m) ?? "a file it names at run time"} short`, "file:truncate");
const writes = (what: string) => (m: RegExpExecArray, an: Analysis) => {
  const path = contents(m);
  if (path !== undefined) analyzeWriteTarget(literal(path), false, an, what);
};

/** A copy or move from the first string onto the second, judged as `cp` or `mv` onto that path is. */
const copies = (program: "cp" | "mv") => (m: RegExpExecArray, an: Analysis) => {
  const source = m.groups?.s;
  const target = m.groups?.s2;
  if (source === undefined || target === undefined) return;
  const quote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;
  an.nested.shell(`${program} -f -- ${quote(source)} ${quote(target)}`);
};
const TWO = String.raw`\s*\(\s*[rfb]?STR\s*,\s*[rfb]?STR2`;

const RULES: Record<CodeLanguage, CodeRule[]> = {
  python: [
    [re(String.raw`\bshutil\.rmtree\s*\(\s*[rfb]?(?:STR)?`), deletes("shutil.rmtree")],
    [re(String.raw`\bos\.(?:remove|unlink|rmdir|removedirs)\s*\(\s*[rfb]?(?:STR)?`), deletes("os.remove")],
    [re(String.raw`\bos\.truncate\s*\(\s*[rfb]?(?:STR)?`), truncates("os.truncate")],
    [
      re(String.raw`\.(?:unlink|rmdir)\(\s*(?:missing_ok\s*=\s*\w+)?\s*\)`),
      destroys("pathlib unlink deletes a file", "file:delete"),
    ],
    [
      re(String.raw`\.(?:execute|executemany|executescript|exec_driver_sql)\s*\(\s*(?:text\(\s*)?[rfb]?STR`),
      sql,
    ],
    [re(String.raw`\bshutil\.(?:copy|copy2|copyfile)${TWO}`), copies("cp")],
    [re(String.raw`\b(?:os\.(?:replace|rename)|shutil\.move)${TWO}`), copies("mv")],
    [
      re(String.raw`\bPath\s*\(\s*[rfb]?STR\s*\)\s*\.\s*write_(?:text|bytes)\s*\(`),
      writes("Path.write_text/write_bytes"),
    ],
    [
      re(String.raw`\bopen\s*\(\s*[rfb]?STR\s*,\s*['"]w`),
      (m, an) => analyzeWriteTarget(literal(contents(m) ?? ""), false, an, "open(…, 'w')"),
    ],
  ],
  ruby: [
    [
      re(
        String.raw`\bFileUtils\.(?:rm_rf|rm_r|rm_f|rm|remove_dir|remove_entry(?:_secure)?|rmtree|remove)\s*\(?\s*(?:STR)?`,
      ),
      deletes("FileUtils.rm_rf"),
    ],
    [re(String.raw`\b(?:File|Dir)\.(?:delete|unlink|rmdir)\b\s*\(?\s*(?:STR)?`), deletes("File.delete")],
    [re(String.raw`\bFile\.truncate\b\s*\(?\s*(?:STR)?`), truncates("File.truncate")],
    [re(String.raw`\b(?:File|IO)\.(?:write|binwrite)\s*\(?\s*STR`), writes("File.write")],
    [re(String.raw`\bFileUtils\.(?:cp|copy|copy_file|install)\s*\(?\s*STR\s*,\s*STR2`), copies("cp")],
    [re(String.raw`\b(?:FileUtils\.(?:mv|move)|File\.rename)\s*\(?\s*STR\s*,\s*STR2`), copies("mv")],
    [re(String.raw`\b(?:File|IO)\.(?:open|new)\s*\(?\s*STR\s*,\s*['"]w`), writes("File.open(…, 'w')")],
    [re(String.raw`\.rmtree\b`), destroys("Pathname#rmtree deletes a directory tree", "file:delete")],
    [
      re(String.raw`\.(?:delete_all|destroy_all)\b`),
      destroys("delete_all/destroy_all deletes every matching record", "rows:delete"),
    ],
    [re(String.raw`\.update_all\b`), destroys("update_all overwrites every matching record", "rows:update")],
    [
      re(String.raw`\.(?:destroy|delete)!?(?![\w?])`),
      destroys("destroy/delete removes records", "rows:delete"),
    ],
    [
      re(String.raw`\b(?:drop_table|remove_column|drop_database|truncate|purge)\b`),
      destroys("schema or data removal in Ruby code", "table:delete"),
    ],
    [re(String.raw`%x\{([^}]*)\}|\`([^\`]*)\``), (m, an) => an.nested.shell(m[1] ?? m[2] ?? "")],
    [re(String.raw`\b(?:execute|exec_query|exec_update|exec_delete|select_all)\s*\(\s*STR`), sql],
  ],
  node: [
    [
      re(
        String.raw`(?:\bfs(?:\.promises)?|\))\.(?:rm|rmSync|rmdir|rmdirSync|unlink|unlinkSync)\s*\(\s*(?:STR)?`,
      ),
      deletes("fs.rm"),
    ],
    // fs-extra's, which the names in the code resolve to fs.
    [
      re(String.raw`\bfs\.(?:remove|removeSync|emptyDir|emptyDirSync|emptydir)\s*\(\s*(?:STR)?`),
      deletes("fs.remove"),
    ],
    [re(String.raw`\brimraf(?:\.sync|\.rimrafSync|Sync)?\s*\(\s*(?:STR)?`), deletes("rimraf")],
    [re(String.raw`\bDeno\.(?:remove|removeSync)\s*\(\s*(?:STR)?`), deletes("Deno.remove")],
    [re(String.raw`\bBun\.file\s*\(\s*STR\s*\)\s*\.\s*(?:delete|unlink)\s*\(`), deletes("Bun.file().delete")],
    [
      re(String.raw`(?:\bfs(?:\.promises)?|\bDeno)\.(?:truncate|truncateSync)\s*\(\s*(?:STR)?`),
      truncates("fs.truncate"),
    ],
    [
      re(
        String.raw`(?:\bfs(?:\.promises)?\.(?:writeFile|writeFileSync)|\bDeno\.(?:writeFile|writeTextFile)(?:Sync)?|\bBun\.write)\s*\(\s*STR`,
      ),
      writes("fs.writeFile"),
    ],
    [re(String.raw`(?:\bfs(?:\.promises)?|\bDeno)\.(?:copyFile|copyFileSync|cp|cpSync)${TWO}`), copies("cp")],
    [re(String.raw`(?:\bfs(?:\.promises)?|\bDeno)\.(?:rename|renameSync)${TWO}`), copies("mv")],
    [re(String.raw`\.(?:query|execute|raw|unsafe|\$executeRawUnsafe|\$queryRawUnsafe)\s*\(\s*STR`), sql],
  ],
  perl: [
    // A name inside a string (`\&{"CORE::unlink"}`) is followed by its closing quote, not by what it deletes.
    [re(String.raw`\b(?:unlink|rmtree|remove_tree)\b(?:(?=['"])|\s*\(?\s*(?:STR)?)`), deletes("unlink")],
    [re(String.raw`\bqx\s*\(?\s*STR`), shell],
    [re(String.raw`\`([^\`]*)\``), (m, an) => an.nested.shell(m[1] ?? "")],
    [re(String.raw`->do\s*\(\s*STR`), sql],
    // open's write modes empty the file first (`>`, `+>`); a pipe mode runs the command (`-|`, `|-`, `"cmd |"`).
    [re(String.raw`\bopen\s*\(?\s*(?:my\s+)?[$\w]+\s*,\s*(['"])\+?>\1\s*,\s*STR`), writes("open(…, '>')")],
    [
      re(String.raw`\bopen\s*\(?\s*(?:my\s+)?[$\w]+\s*,\s*(['"])\+?>(?!>|&)\s*(?<s>[^'"|$@]+?)\s*\1`),
      writes("open(…, '>')"),
    ],
    [re(String.raw`\bopen\s*\(?\s*(?:my\s+)?[$\w]+\s*,\s*(['"])(?:-\||\|-)\1\s*,\s*STR`), shell],
    [
      re(
        String.raw`\bopen\s*\(?\s*(?:my\s+)?[$\w]+\s*,\s*(['"])(?:\|\s*(?<s>(?!-)[^'"$@]+?)|(?<s2>(?!-)[^'"$@]+?)\s*\|)\1`,
      ),
      (m, an) => an.nested.shell(m.groups!.s ?? m.groups!.s2 ?? ""),
    ],
  ],
  php: [
    [re(String.raw`\b(?:unlink|rmdir)\s*\(\s*(?:STR)?`), deletes("unlink")],
    [re(String.raw`\bfile_put_contents\s*\(\s*STR\s*,(?![^;]*\bFILE_APPEND\b)`), writes("file_put_contents")],
    [re(String.raw`\bfopen\s*\(\s*STR\s*,\s*['"][wx]`), writes("fopen(…, 'w')")],
    [re(String.raw`\bcopy${TWO}`), copies("cp")],
    [re(String.raw`\brename${TWO}`), copies("mv")],
    [re(String.raw`(?:DB::(?:statement|unprepared|delete)|->(?:query|exec))\s*\(\s*STR`), sql],
    [
      re(String.raw`->(?:delete|forceDelete|truncate)\s*\(`),
      destroys("Eloquent delete/truncate removes records", "rows:delete"),
    ],
  ],
  mongo: [
    [
      re(String.raw`\.dropDatabase\s*\(`),
      destroys("dropDatabase() deletes the whole database", "database:delete"),
    ],
    [re(String.raw`\.drop\s*\(`), destroys("drop() deletes the collection", "collection:delete")],
    [
      re(
        String.raw`\.(?:deleteMany|remove|deleteOne|findOneAndDelete|findAndModify\s*\(\s*\{[^}]*remove\s*:\s*true)\s*\(?`,
      ),
      destroys("deletes documents", "rows:delete"),
    ],
    [re(String.raw`\.(?:updateMany|replaceOne)\s*\(`), destroys("overwrites documents", "rows:update")],
    [
      // bulkWrite's operations are keys of its argument: {deleteMany: …}, {replaceOne: …}.
      re(String.raw`\bbulkWrite\s*\([\s\S]*?['"]?\b(?:deleteMany|deleteOne|updateMany|replaceOne)['"]?\s*:`),
      destroys("bulkWrite deletes or overwrites documents", "rows:delete"),
    ],
    [re(String.raw`\.dropIndex(?:es)?\s*\(`), destroys("drops indexes", "index:delete")],
    [
      // A TTL index (or collMod shortening one) deletes every document already older than its expiry.
      re(
        String.raw`(?:\.(?:createIndex|createIndexes|ensureIndex)\s*\(|\bcollMod\b)[\s\S]*\bexpireAfterSeconds\b`,
      ),
      destroys("a TTL index deletes every document older than its expiry", "rows:delete"),
    ],
    [
      re(String.raw`\$out\b|\$merge\b`),
      destroys("$out/$merge overwrites a collection", "collection:overwrite"),
    ],
    [
      re(String.raw`\.renameCollection\s*\([^)]*true\s*\)`),
      destroys("renameCollection with dropTarget deletes the target", "collection:delete"),
    ],
    [
      // The command is the document's first key; adminCommand runs it against the admin database.
      re(
        String.raw`(?:runCommand|adminCommand)\s*\(\s*\{\s*['"]?(?:drop|dropDatabase|delete|dropIndexes|dropAllUsersFromDatabase|dropAllRolesFromDatabase)\b`,
      ),
      destroys("runCommand drop/delete", "collection:delete"),
    ],
    [
      // A method named at run time (`db[c]()`, `db.users[op]({})`) may be any of the above.
      re(String.raw`\b(?:db|coll|collection)(?:\.\w+)*\[\s*(?!['"\`])[^\]]+\]\s*\(`),
      (m, an) => an.uncertain(`calls a method whose name is only known at run time (${m[0]})`, true),
    ],
  ],
  lua: [
    [
      re(String.raw`redis\.p?call\s*\(([^)]*)\)`),
      (m, an) => {
        analyzeRedisCommand(strings(m[1] ?? ""), an);
        judgeComputedRedisCalls(m[0], an);
      },
    ],
    [re(String.raw`\bos\.remove\s*\(?\s*(?:STR)?`), deletes("os.remove")],
    [
      re(String.raw`\bio\.open\s*\(\s*STR\s*,\s*['"][wa]`),
      (m, an) => analyzeWriteTarget(literal(contents(m) ?? ""), false, an, "io.open(…, 'w')"),
    ],
  ],
};

/**
 * An HTTP client in code, whose request methods are often strings (`fetch(url, {method: "DELETE"})`). `node -e` has
 * Node's built-in modules as globals, so `https.request` needs no require.
 */
const HTTP_CLIENT =
  /\bhttps?\.(?:request|get)\b|\b(?:fetch|axios|got|undici|requests|httpx|aiohttp|urllib\d?|http\.client|Net::HTTP|HTTParty|Faraday|LWP|HTTP::Request|HTTP::Tiny|curl_setopt|CURLOPT_CUSTOMREQUEST)\b|require\s*\(\s*['"`](?:node:)?https?['"`]|from\s+['"`](?:node:)?https?['"`]|\bhttps?:\/\//;
/**
 * A method that deletes or replaces what is stored: a client's method of that name (whatever the client object is
 * called: `s = requests.Session()`, Perl's and PHP's `$ua->put(`), the method as a string (fetch upper-cases these),
 * or as Perl and Ruby spell it.
 */
const WRITE_METHOD = re(
  String.raw`[\w$)\]](?:\.|->)(?<call>delete|put)\s*\(|(?<q>['"\`])(?<s>delete|put)\k<q>|\bNet::HTTP::(?<ruby>Delete|Put)\b|\b(?<perl>DELETE|PUT)\s*=>|(?<![\w:]):(?<sym>delete|put)\b`,
  "gi",
);
/**
 * A request method given as an expression rather than spelled out: `method: m.toUpperCase()`, `method='DEL'+'ETE'`,
 * a quoted key (`{"method": m}`) or JavaScript's shorthand `{method}`.
 */
const COMPUTED_METHOD =
  /\bmethod['"`]?\s*[:=]\s*(?![\s'"`=])|\bmethod['"`]?\s*[:=]\s*(['"`])[^'"`]*\1\s*[+.]|[{,]\s*method\s*[,}]/i;
/**
 * A literal where a method goes, then the end of that argument: a quoted string, a Ruby symbol (`:get`, `:[]`), Perl's
 * `GET =>`.
 */
const LITERAL_ARGUMENT =
  /^\s*(?:(?:'[^'\\]*'|"[^"\\$#{}]*"|`[^`$]*`|:(?:\w+[?!=]?|\[\]=?|[-+*/%<>=!~^&|]+))\s*(?:,|\)|=>|$)|[A-Za-z]+\s*=>|\))/;
/**
 * Not a method: a keyword argument (`method='GET'`, `method: :get`, which COMPUTED_METHOD reads), or a request
 * object passed alone (LWP's `->request($req)`, `->request(HTTP::Request->new(…))`).
 */
const NOT_A_METHOD = /^\s*(?:\w+\s*(?:=(?!=)|:(?!:))|HTTP::Request\b|[$@]?\w+\s*\))/;
/**
 * Calls that take the request method as their first argument: requests', httpx's, urllib3's, aiohttp's and
 * http.client's `.request(m, url)`, `requests.Request(m, url)`, Net::HTTP's `send_request(m, path)`, http.rb's
 * `HTTP.request(m, url)`, Faraday's `run_request(m, …)`, HTTP::Tiny's and Guzzle's `->request($m, $url)`, LWP's
 * `HTTP::Request->new($m, …)`, curl's CURLOPT_CUSTOMREQUEST, and calls by a name given as text (`getattr(requests,
 * m)`, Ruby's `send(m, url)`). Node's `https.request(url)` takes a URL or options there, so JavaScript has none.
 * Each pattern ends where the argument starts.
 */
const METHOD_SLOT: Partial<Record<CodeLanguage, RegExp>> = {
  python: /(?:\.request|\b(?:requests|httpx)\.Request)\s*\(|\bgetattr\s*\(\s*[\w.]+\s*,/g,
  ruby: /\b(?:send_request|run_request|HTTP\.request|Net::HTTPGenericRequest\.new)\b\s*\(?|\.(?:public_send|send|__send__)\b\s*\(?/g,
  perl: /->request\s*\(|\bHTTP::Request->new\s*\(/g,
  php: /->request\s*\(|\bCURLOPT_CUSTOMREQUEST\s*,/g,
};
/** A method called by a name the code computes: `client[m](…)`, Perl's and PHP's `$ua->$m(…)`, PHP's `->{$m}(…)`. */
// The name between brackets is bounded, so that unclosed brackets in long code cost linear time, not quadratic.
const COMPUTED_CALL = /[\w)\]]\s*\[\s*(?!['"`\d])[^\]]{1,120}\]\s*\(|->\s*(?:[$]\w+|\{[^}]{0,120}\})\s*\(/;

/** Whether the code leaves its request method to run time: in a `method` option, a method argument or a call's name. */
function computesMethod(language: CodeLanguage, source: string): boolean {
  if (COMPUTED_METHOD.test(source) || COMPUTED_CALL.test(source)) return true;
  const slot = METHOD_SLOT[language];
  if (!slot) return false;
  for (const m of source.matchAll(slot)) {
    const argument = source.slice(m.index + m[0].length, m.index + m[0].length + 120);
    if (!LITERAL_ARGUMENT.test(argument) && !NOT_A_METHOD.test(argument)) return true;
  }
  return false;
}

const URL_STRING = re(String.raw`(?<q>['"\`])(?<s>https?:\/\/[^'"\`\s]+)\k<q>`, "");
const PATH_PROPERTY = re(String.raw`\bpath\s*[:=]\s*STR`, "");

/**
 * Requests that inline code sends with a method that deletes or replaces, judged as the HTTP rules judge a request:
 * against the first URL the code spells out, or its `path`, else as an unnamed resource.
 */
function httpRequests(language: CodeLanguage, source: string, an: Analysis): void {
  if (!HTTP_CLIENT.test(source)) return;
  const methods = new Set<string>();
  for (const m of source.matchAll(WRITE_METHOD)) {
    const g = m.groups!;
    methods.add((g.call ?? g.s ?? g.ruby ?? g.perl ?? g.sym ?? "").toUpperCase());
  }
  if (methods.size === 0) {
    if (computesMethod(language, source))
      an.uncertain("inline code sends a request whose method it computes, which may delete or replace", true);
    return;
  }
  const url = URL_STRING.exec(source)?.groups?.s ?? PATH_PROPERTY.exec(source)?.groups?.s ?? "/resource";
  for (const method of methods) an.nested.http({ method, url, body: "" });
}

/**
 * A request that posts or patches: a client's method of that name, the method as a string, as Ruby and Perl say it,
 * or PHP curl's POST options.
 */
const POSTING_METHOD = re(
  String.raw`\bCURLOPT_POST(?:FIELDS)?\b|[\w$)\]](?:\.|->)(?:post|patch)\s*\(|(?<q>['"\`])(?:post|patch)\k<q>|\bNet::HTTP::(?:Post|Patch)\b|\b(?:POST|PATCH)\s*=>|(?<![\w:]):(?:post|patch)\b`,
  "i",
);
const URL_STRINGS = re(String.raw`(?<q>['"\`])(?<s>https?:\/\/[^'"\`\s]+)\k<q>`, "g");

/**
 * A POST says nothing by its method; its path may (`…/accounts/42/close`, `…/tenants/acme/purge`), so each URL the
 * code spells out is judged as a POST by the HTTP rules. Run after the rest, so that a harmless POST does not hide
 * a suspicious word the code also holds.
 */
function postRequests(source: string, an: Analysis): void {
  if (!HTTP_CLIENT.test(source) || !POSTING_METHOD.test(source)) return;
  let count = 0;
  for (const m of source.matchAll(URL_STRINGS)) {
    if (++count > 8) break;
    an.nested.http({ method: "POST", url: m.groups!.s!, body: "" });
  }
}

const SUSPICIOUS =
  /\b(delete|destroy|drop|purge|wipe|truncate|rmtree|unlink|remove|erase|flush)(?:_\w+|[A-Z]\w*)?\s*[(!]/i;

export function analyzeCode(language: CodeLanguage, source: string, an: Analysis): void {
  const before = an.findings.length;
  // The rules name functions as their modules do; the code may reach them by other names.
  const code = resolveNames(language, source, an);
  for (const [pattern, handle] of RULES[language]) {
    pattern.lastIndex = 0;
    for (let m = pattern.exec(code); m; m = pattern.exec(code)) {
      handle(m, an);
      if (m[0].length === 0) pattern.lastIndex++;
    }
  }
  if (language !== "mongo" && language !== "lua") httpRequests(language, source, an);
  analyzeCommandCalls(language, code, an);
  if (an.findings.length === before) {
    const word = SUSPICIOUS.exec(source)?.[1];
    if (word) an.uncertain(`inline ${language} code mentions "${word}"`, true);
    else an.harmless(`inline ${language} code with no destructive call`);
  }
  if (language !== "mongo" && language !== "lua") postRequests(source, an);
  // Code may join a credential path at run time: the service it names is enough.
  const metadata = metadataServiceInCode(source);
  if (metadata) an.uncertain(machineCredentials(`a metadata service the code reaches (${metadata})`), false);
}
