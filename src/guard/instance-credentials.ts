// The cloud machine's own credentials, served by its metadata service: AWS's instance metadata and its ECS and EKS
// task endpoints, Google's metadata server, Azure's managed identity endpoint, Alibaba's, Tencent's and Oracle's.
// A command that reads them holds the machine's identity rather than the task's, and with it whatever the machine may
// reach, production included: a task scoped to staging would step outside its scope. Read from the request's path,
// which only these services serve, in the spellings a server decodes (percent escapes, doubled slashes, dot segments,
// any case, a path split across shell quotes), so the host may be spelled any way, a DNS name pointing at it too.

/** Credential paths, matched against the normalised text, and the service each belongs to. */
const CREDENTIAL_PATHS: readonly (readonly [RegExp, string])[] = [
  // AWS (iam), Alibaba (ram) and Tencent (cam) under any API version, and EC2's identity credentials.
  [/\/meta-data\/(?:[\w-]+\/)*security-credentials(?![\w.-])/, "the instance metadata service"],
  [
    /\/computemetadata\/v1(?:beta1)?\/instance\/service-accounts\/[^/\s]+\/(?:token|identity)(?![\w.-])/,
    "Google Cloud's metadata server",
  ],
  [/\/metadata\/identity\/oauth2\/token(?![\w.-])/, "Azure's managed identity endpoint"],
  [/\/opc\/v[12]\/identity\/(?:[\w.-]+)/, "Oracle Cloud's instance metadata (the instance principal's key)"],
  // ECS and EKS task credentials have a generic path on a fixed link-local host.
  [
    /(?:169\.254\.170\.23?|\[fd00:ec2::23\])(?::\d+)?\/v[12]\/credentials(?![\w.-])/,
    "the ECS or EKS task credential endpoint",
  ],
];

/**
 * Variables the platforms set to their credential endpoints (ECS tasks, Azure App Service and Functions), which
 * count when something fetches: printing the endpoint's address reads nothing.
 */
const ENDPOINT_VARIABLE =
  /\b(?:AWS_CONTAINER_CREDENTIALS_(?:RELATIVE|FULL)_URI|IDENTITY_ENDPOINT|MSI_ENDPOINT)\b/;
const FETCHES =
  /\b(?:curl|wget|xh|https?|Invoke-(?:RestMethod|WebRequest)|iwr|irm|requests|urllib|httpx|fetch|axios|Net::HTTP|LWP)\b/i;

/**
 * Cheap pre-check: text that can spell none of the paths, even escaped, is not read further. A path split across
 * shell quotes is not seen here; the shell reader joins it before the HTTP rules read the URL.
 */
const MAY_NAME = /credential|service-?account|oauth2|\/opc\/|IDENTITY_ENDPOINT|MSI_ENDPOINT|%[0-9a-f]{2}|\\/i;

/** Where the text reads the machine's own credentials (the service, then what named it), or null. */
export function instanceCredentialsRead(text: string): string | null {
  if (!MAY_NAME.test(text)) return null;
  const variable = ENDPOINT_VARIABLE.exec(text);
  if (variable && FETCHES.test(text)) return `the platform's credential endpoint (${variable[0]})`;
  const normalised = normalisePaths(text);
  for (const [path, service] of CREDENTIAL_PATHS) {
    const m = path.exec(normalised);
    if (m) return `${service} (${m[0]})`;
  }
  return null;
}

/**
 * The text as a server would read a path in it: shell quotes and backslashes dropped (they only join pieces of one
 * word), percent escapes decoded, lower case, slashes collapsed and dot segments resolved.
 */
function normalisePaths(text: string): string {
  let s = text
    .replace(/["'\\]/g, "")
    .replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
    .toLowerCase()
    .replace(/\/{2,}/g, (slashes, at: number, whole: string) =>
      // A scheme's `://` keeps its slashes; every other run is one.
      whole[at - 1] === ":" ? slashes : "/",
    )
    .replace(/\/(?:\.\/)+/g, "/");
  for (let i = 0; i < 16; i++) {
    const resolved = s.replace(/\/(?!\.\.(?:\/|$))[^/\s]+\/\.\.(?=\/|$|\s)/, "");
    if (resolved === s) break;
    s = resolved;
  }
  return s;
}
