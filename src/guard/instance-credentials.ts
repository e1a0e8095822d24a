// The cloud machine's own credentials, served by its metadata service: AWS's instance metadata and its ECS and EKS
// task endpoints, Google's metadata server, Azure's managed identity endpoints, Alibaba's, Tencent's and Oracle's.
// A command that reads them holds the machine's identity rather than the task's, and with it whatever the machine may
// reach, production included: a task scoped to staging would step outside its scope.
//
// A request is judged by its path, which only these services serve, so the host may be spelled any way (decimal,
// hex, a DNS name pointing at it, a proxy or `--connect-to` sending it there). The path is read in every spelling a
// server or a client decodes: percent escapes, doubled slashes, dot segments, any case, pieces joined by shell quotes
// or by expansions that come out empty, brace and glob alternatives, a language's string escapes, and the tabs and
// backslashes WHATWG URL parsers drop or turn into slashes. Code, whose strings may be joined at run time, is judged by
// the metadata host it names instead.

import { collapseSlashes } from "./paths.ts";

/** Credential paths, matched against the normalised text, and the service each belongs to. */
const CREDENTIAL_PATHS: readonly (readonly [RegExp, string])[] = [
  // AWS (iam), Alibaba (ram) and Tencent (cam) under any API version, and EC2's identity credentials.
  [/\/meta-data\/(?:[\w-]+\/)*security-credentials(?![\w.-])/, "the instance metadata service"],
  [
    /\/computemetadata\/v1(?:beta1)?\/instance\/service-accounts\/[^/\s]+\/(?:token|identity)(?![\w.-])/,
    "Google Cloud's metadata server",
  ],
  // GKE's kube-env holds the kubelet's certificate and key where metadata concealment is off.
  [
    /\/computemetadata\/v1(?:beta1)?\/instance\/attributes\/kube-env(?![\w.-])/,
    "Google Cloud's metadata server",
  ],
  [/\/metadata\/identity\/oauth2\/token(?![\w.-])/, "Azure's managed identity endpoint"],
  // App Service and Functions (`$IDENTITY_ENDPOINT`, `$MSI_ENDPOINT`) and Cloud Shell serve tokens on local ports.
  [/\/msi\/token(?![\w.-])/, "Azure App Service's managed identity endpoint"],
  [/(?:localhost|127\.0\.0\.1):50342\/oauth2\/token(?![\w.-])/, "Azure Cloud Shell's token endpoint"],
  [
    /\/opc\/v[12]\/identity\/key\.pem(?![\w.-])/,
    "Oracle Cloud's instance metadata (the instance principal's key)",
  ],
  // ECS and EKS task credentials have a generic path on fixed hosts: the link-local addresses (also IPv4-mapped, or
  // inside a name such as 169.254.170.2.nip.io) and the ECS agent's own port.
  [
    /(?:169\.254\.170\.23?|::ffff:a9fe:aa(?:02|17)|fd00:ec2::23|:51679)[\w.\-\]]*(?::\d+)?\/v[12]\/credentials(?![\w.-])/,
    "the ECS or EKS task credential endpoint",
  ],
  // The same path sent to that host by a client's own routing (`--connect-to`, `--resolve`, a proxy), within one
  // command's length of it, so that a long text is read in linear time.
  [
    /(?:169\.254\.170\.23?|fd00:ec2::23)\b.{0,2048}\/v[12]\/credentials(?![\w.-])|\/v[12]\/credentials(?![\w.-]).{0,2048}(?:169\.254\.170\.23?|fd00:ec2::23)\b/,
    "the ECS or EKS task credential endpoint",
  ],
];

/**
 * What code names when it reads the machine's credentials without spelling a path: the metadata services' hosts and
 * endpoint variables, and the SDK calls that fetch the credentials from them and hand them over.
 */
const METADATA_IN_CODE =
  /169\.254\.169\.254|169\.254\.170\.23?|fd00:ec2::(?:254|23)\b|metadata\.google\.internal|100\.100\.100\.200|\bIDENTITY_ENDPOINT\b|\bMSI_ENDPOINT\b|\bAWS_CONTAINER_CREDENTIALS_(?:RELATIVE|FULL)_URI\b|\bget_(?:frozen_)?credentials\(|\bfrom(?:Instance|Container)Metadata\(|\bManagedIdentityCredential\(|\bgoogle\.auth\.default\(/i;

/** Variables the platforms set to their credential endpoints (ECS tasks, Azure App Service and Functions). */
const ENDPOINT_VARIABLE =
  /\b(?:AWS_CONTAINER_CREDENTIALS_(?:RELATIVE|FULL)_URI|IDENTITY_ENDPOINT|MSI_ENDPOINT)\b/;

/**
 * Programs and APIs that fetch a URL. A command that only mentions a path (`grep`, `sed`, a commit message) reads no
 * credentials; one of these reading it does.
 */
const FETCHES =
  /(?:^|[\s|;&(`'"]|\$\()(?:curl|wget|xh|http|https|httpie|nc|ncat|socat|telnet|aria2c|lynx|links|w3m)(?=$|[\s|;&)`'"])|Invoke-(?:RestMethod|WebRequest)|\b(?:iwr|irm)\s|\/dev\/tcp\/|\b(?:requests\.|httpx\.|urllib|urlopen\(|aiohttp|axios|got\(|undici|https?\.(?:get|request)\(|fetch\(|Net::HTTP|LWP|HttpClient|WebClient|file_get_contents\(|open-uri|URI\.open)/i;

/** Cheap pre-check: text that can spell none of the paths or hosts, even escaped, is not read further. */
const MAY_NAME =
  /credential|service-?account|oauth2|\/opc\/|msi|kube-env|IDENTITY_ENDPOINT|MSI_ENDPOINT|169\.254|metadata|100\.100\.100\.200|%[0-9a-f]{2}|\\|[{}[\]$`]/i;

/**
 * Where a command or an HTTP request reads the machine's own credentials (the service, then what named it), or null.
 * `request`: the text is one request's URL, which fetches by being one.
 */
export function instanceCredentialsRead(text: string, { request = false } = {}): string | null {
  if (!MAY_NAME.test(text)) return null;
  if (!request && !FETCHES.test(text)) return null;
  const variable = ENDPOINT_VARIABLE.exec(text);
  if (variable) return `the platform's credential endpoint (${variable[0]})`;
  for (const spelling of spellings(text)) {
    for (const [path, service] of CREDENTIAL_PATHS) {
      const m = path.exec(spelling);
      if (m) return `${service} (${m[0]})`;
    }
  }
  return null;
}

/** What code names of a metadata service, which serves the machine's credentials at paths the code may build. */
export function metadataServiceInCode(source: string): string | null {
  return METADATA_IN_CODE.exec(source)?.[0] ?? null;
}

/**
 * The text as a server would read a path in it, twice over: once with backslashes dropped (a shell's escapes) and once
 * with them as slashes (WHATWG URL parsers in browsers and Node). Both are lower case, with percent escapes and
 * string escapes decoded, shell expansions and alternatives resolved as they would come out, slashes collapsed and dot
 * segments resolved.
 */
function spellings(text: string): string[] {
  const decoded = text
    // A language's escapes inside a string: `\x2d`, `\u002d`, `\u{2d}`; a tab or newline, which URL parsers drop.
    .replace(/\\x([0-9a-f]{2})|\\u\{([0-9a-f]{1,6})\}|\\u([0-9a-f]{4})/gi, (_, x, braced, u) =>
      codePoint(Number.parseInt(x ?? braced ?? u, 16)),
    )
    .replace(/\\[tnr]|[\t\r\n]/g, "")
    // Expansions a shell or curl makes of one word: `${X}`, `$(true)`, `` `true` ``, `$*` (empty here), `{,}` and
    // `{s}` (the first alternative), `[s-s]` (the first character of a class).
    .replace(/\$\{[^}]*\}|\$\([^()]*\)|`[^`]*`|\$[@*]/g, "")
    .replace(/\{([^{},\s]*)(?:,[^{},\s]*)*\}/g, "$1")
    .replace(/\[([^\]\s:])(?:-[^\]\s:])?\]/g, "$1")
    // String literals joined by `+` or side by side (`"security-" + "credentials"`, Python's `"a" "b"`).
    .replace(/["']\s*\+?\s*["']/g, "")
    .replace(/["']/g, "")
    .replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
    .toLowerCase();
  return [decoded.replace(/\\/g, ""), decoded.replace(/\\/g, "/")].map(resolveSegments);
}

function resolveSegments(text: string): string {
  let s = collapseSlashes(text);
  for (let i = 0; i < 16; i++) {
    const resolved = s.replace(/\/(?!\.\.(?:\/|$))[^/\s]+\/\.\.(?=\/|$|\s)/, "");
    if (resolved === s) break;
    s = resolved;
  }
  return s;
}

/** A decoded escape's character; one beyond Unicode (`\u{ffffff}`) is refused by the language and stands for nothing. */
const codePoint = (n: number) => (n <= 0x10ffff ? String.fromCodePoint(n) : "");
