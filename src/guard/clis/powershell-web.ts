// PowerShell's web cmdlets (Invoke-RestMethod, Invoke-WebRequest and their aliases) in a `pwsh -c` script: the
// request each would send, for the HTTP rules. The rest of a PowerShell script is left to the unknown-program words.
import type { Analysis } from "../analysis.ts";
import type { Invocation } from "../command.ts";

/** pwsh, powershell and their Windows file names, as a shell on any system may name them. */
export const POWERSHELL = /^(?:pwsh|powershell)(?:\.exe)?$/i;

/** The cmdlets and the aliases Windows PowerShell gives them (`curl` and `wget` there are Invoke-WebRequest). */
const WEB_CMDLET = /^(?:invoke-restmethod|invoke-webrequest|irm|iwr|curl|wget)$/i;
/** Words, quoted strings and hash literals, and the separators between statements. */
const TOKEN = /'(?:[^']|'')*'|"(?:[^"`]|`.)*"|@\{[^}]*\}|[;|\n]|[^\s;|]+/g;
const SEPARATOR = /^[;|\n]$/;
const OPENING = /^[$@]?\(+/;
const OVERRIDE_ENTRY = /['"]?(x-(?:http-)?method(?:-override)?)['"]?\s*=\s*['"]?(\w+)/gi;

/** The script pwsh runs: `-Command`/`-c` (any prefix of Command) and what follows, or `-EncodedCommand` decoded. */
function scriptOf(args: readonly string[]): string | null {
  for (let i = 0; i < args.length; i++) {
    const name = args[i]!.toLowerCase();
    if (/^-(?:e|ec|en\w*)$/.test(name) && "-encodedcommand".startsWith(name) && args[i + 1])
      return Buffer.from(args[i + 1]!, "base64").toString("utf16le");
    if (name.length >= 2 && "-command".startsWith(name)) return args.slice(i + 1).join(" ");
    if (!name.startsWith("-")) return args.slice(i).join(" ");
  }
  return null;
}

const unquote = (token: string) =>
  /^'.*'$/s.test(token)
    ? token.slice(1, -1).replace(/''/g, "'")
    : /^".*"$/s.test(token)
      ? token.slice(1, -1).replace(/`(.)/g, "$1")
      : token;

/** `(irm https://…/users).name`: what follows a closing parenthesis is not the URL's. */
const bareUrl = (text: string) => text.replace(/\).*$/s, "");

/** A parameter name as PowerShell reads it: any unambiguous prefix, here at least `min` characters after the dash. */
const names = (token: string, parameter: string, min: number) => {
  const name = token.toLowerCase().replace(/:.*$/, "");
  return name.length > min && `-${parameter}`.startsWith(name);
};

/** One cmdlet call's tokens → the request it makes; a method held in a variable may be any. */
function webRequest(tokens: readonly string[], an: Analysis): void {
  let method = "GET";
  let url = "";
  let body = "";
  const headers: string[] = [];
  for (let i = 1; i < tokens.length; i++) {
    const token = tokens[i]!;
    const inlineValue = /^-\w+:(.+)$/.exec(token)?.[1];
    const value = () => unquote(inlineValue ?? tokens[++i] ?? "");
    if (names(token, "method", 2) || names(token, "custommethod", 2)) method = value().toUpperCase();
    else if (names(token, "uri", 1)) url = bareUrl(value());
    else if (names(token, "body", 1)) body = value();
    else if (names(token, "headers", 1)) {
      const hash = value();
      for (const m of hash.matchAll(OVERRIDE_ENTRY)) headers.push(`${m[1]}: ${m[2]}`);
    } else if (!token.startsWith("-") && !url) url = bareUrl(unquote(token));
  }
  if (method.startsWith("$")) {
    an.uncertain(`${tokens[0]} sends a request whose method is only known at run time (${method})`, true);
    return;
  }
  if (body && method === "GET" && !tokens.some((t) => names(t, "method", 2))) method = "POST";
  an.nested.http({ method, url, body, headers });
}

/** Each web cmdlet call in the script of `pwsh -c "…"`, judged as the request it sends. */
export function powershellWebRequests(inv: Invocation, an: Analysis): void {
  const script = scriptOf(inv.args);
  if (!script) return;
  an.note(script);
  const tokens = script.match(TOKEN) ?? [];
  let start = 0;
  for (let i = 0; i <= tokens.length; i++) {
    if (i < tokens.length && !SEPARATOR.test(tokens[i]!)) continue;
    const statement = tokens.slice(start, i);
    start = i + 1;
    // `$r = irm …`, `(Invoke-RestMethod …).id`: the cmdlet need not be the statement's first word.
    const at = statement.findIndex((t) => WEB_CMDLET.test(t.replace(OPENING, "")));
    if (at >= 0) webRequest(statement.slice(at), an);
  }
}
