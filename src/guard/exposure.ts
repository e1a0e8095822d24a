// Secrets leaving the machine: the environment or a credential file read by a command that also talks to the network.
// Not destructive, but never something to approve without a human: the finding is uncertain, so a hook asks.
// Read from the command text as a whole, so a pipe, a redirect, `$(…)` or a payload all count the same.
import type { Analysis } from "./analysis.ts";
import { instanceCredentialsRead } from "./instance-credentials.ts";
import { collapseSlashes } from "./paths.ts";
import { findSecretPattern } from "./secrets.ts";

/** Whole-environment dumps and the process environment file. */
const ENVIRONMENT_DUMP =
  /(?:^|[|;&(`]|\$\()\s*(?:sudo\s+)?(?:printenv|env|export\s+-p|set|declare\s+-x|compgen\s+-v)\s*(?:$|[|;&)>`])|\/proc\/(?:self|\d+|\$\$)\/environ|\bos\.environ\b|\bprocess\.env\b(?!\.\w)|\bENV\.to_h\b|%ENV\b/;

/**
 * Files that hold credentials by convention, matched against the command as readablePaths() spells it, and leash's own
 * private keys (credential-files.ts, LEASH_KEY_FILE). Any case: on macOS and Windows `~/.AWS/Credentials` is the same
 * file.
 */
const CREDENTIAL_FILE =
  /(?:^|[\s'"=@<:/(,])(?:~|\$HOME|\$\{HOME\}|\/root|\/home\/[^/\s]+|(?:[a-z]:)?\/users\/[^/\s]+)?\/?(?:\.aws\/(?:credentials|config|(?:cli|sso)\/cache\/[^\s/]+)|\.ssh\/(?:id_[a-z0-9]+|[^\s/]*\.pem)|\.netrc|\.git-credentials|\.docker\/config\.json|\.kube\/config|\.npmrc|\.pypirc|\.pgpass|\.my\.cnf|\.s3cfg|\.cargo\/credentials(?:\.toml)?|\.config\/gh\/hosts\.yml|\.config\/gcloud\/(?:credentials\.db|access_tokens\.db|application_default_credentials\.json|legacy_credentials)|\.azure\/(?:accessTokens\.json|msal_token_cache\.json|service_principal_entries\.json)|\.vault-token|\.terraformrc|\.terraform\.d\/credentials\.tfrc\.json)\b|(?:^|[\s'"=@<(,])(?:\.\/)?(?:[\w.-]*\/)*\.env(?:\.(?!example|sample|template|dist)[\w-]+)?(?=$|[\s'"),|;&>])|\/etc\/(?:shadow|gshadow)\b|\/(?:var\/)?run\/secrets(?=$|[\s'")|;&>/])|\bsecrets?\/[\w.-]+\.(?:json|ya?ml|key|pem)\b|(?<![\w-])([a-z0-9][\w-]{0,62})\/\1-\d{8}-[0-9a-f]{8}\.json\b|(?<![\w-])totp\/totp-\d{8}T\d{6}Z-[0-9a-f]{8}\.key\b/i;

/** Whether `path` names a file that holds credentials by convention (`.env`, `~/.pgpass`, `~/.ssh/id_ed25519`). */
export function namesCredentialFile(path: string): boolean {
  return CREDENTIAL_FILE.test(` ${collapseSlashes(path)}`);
}

/**
 * Directories that hold nothing but credentials, named whole (`tar czf - ~/.ssh`, `scp -r ~/.aws host:`, `zip -r k.zip
 * ~/.gnupg/`): every key in them goes where the directory goes.
 */
const CREDENTIAL_DIRECTORY =
  /(?:^|[\s'"=@<:])(?:~|\$HOME|\$\{HOME\}|\/root|\/home\/[^/\s]+|(?:[a-z]:)?\/users\/[^/\s]+)\/\.(?:ssh|aws|gnupg|kube|docker|password-store|azure|config\/gcloud|config\/gh)\/?(?=$|[\s'")|;&>])/i;

/** Variables whose names say they hold a secret. */
const SECRET_VARIABLE =
  /\$\{?[A-Za-z_]*(?:SECRET|TOKEN|PASSWORD|PASSWD|API_KEY|APIKEY|PRIVATE_KEY|ACCESS_KEY|CREDENTIALS?)[A-Za-z0-9_]*\}?/i;

/** Programs and devices that send data elsewhere. */
const NETWORK_SINK =
  /(?:^|[\s|;&(`]|\$\()(?:curl|wget|nc|ncat|netcat|socat|telnet|ftp|sftp|scp|rsync|ssh|http|https|xh|httpie|aws\s+s3\s+(?:cp|mv|sync)|gh\s+(?:gist\s+(?:create|edit)|release\s+(?:create|upload))|glab\s+(?:snippet\s+create|release\s+(?:create|upload))|gsutil|gcloud\s+storage\s+cp|az\s+storage|rclone|sendmail|mail|mailx|openssl\s+s_client)(?=$|[\s|;&)`])|\/dev\/(?:tcp|udp)\/|\b(?:requests|httpx|urllib|fetch|axios|Net::HTTP|LWP|IO::Socket|socket)\b/;

/**
 * Programs that print what they are given, also as PowerShell names them, and inline code that may open the file
 * (`python3 -c`, `node -e`; not `node --env-file=.env app.js`, which loads it); a file fed to a command's stdin
 * (`< file`, `$(<file)`, `while read … done < file`) is read as well.
 */
const PRINTS_FILE =
  /(?:^|[\s|;&(`'"]|\$\()(?:cat|less|more|head|tail|bat|strings|xxd|od|hexdump|base64|grep|rg|awk|sed|jq|yq|sort|tac|nl|rev|cut|paste|column|fold|diff|cmp|gc|get-content|type|sqlite3)\s|(?:^|[\s|;&(`'"]|\$\()(?:python3?|node|ruby|perl|php)\s+(?:-[\w-]+\s+)*-[cepr]\s|(?:^|[^<])<(?![<(])\s*(?=\S)/i;

/**
 * Commands that print a credential: a CLI's token or key, a secret store's value, a Kubernetes Secret's data, a
 * platform's config vars. Only where the command starts (a pipe or a list may come before it): inside `$(…)` the
 * credential is handed to another command rather than printed.
 */
const PRINTERS = [
  /gh\s+auth\s+(?:token\b|status\b[^|;&\n]*\s(?:-t|--show-token)\b)/,
  /gcloud\s+(?:[^|;&\n]*\s)?auth\s+(?:application-default\s+)?print-(?:access|identity)-token\b/,
  /gcloud\s+secrets\s+versions\s+access\b/,
  /gcloud\s+(?:[^|;&\n]*\s)?config\s+config-helper\b/,
  /az\s+account\s+get-access-token\b/,
  /az\s+[^|;&\n]*\b(?:keys\s+list|list-keys|list-connection-strings|credential\s+show)\b/,
  /az\s+keyvault\s+secret\s+show\b/,
  /aws\s+(?:[^|;&\n]*\s)?(?:configure\s+(?:get\s+\S*(?:secret|token)\S*|export-credentials)|secretsmanager\s+get-secret-value|sts\s+(?:get-session-token|assume-role\S*)|ecr\s+get-login-password|iam\s+create-access-key)\b/,
  /aws\s+(?:[^|;&\n]*\s)?ssm\s+get-parameters?(?:-by-path)?\b[^|;&\n]*--with-decryption/,
  /kubectl\s+(?:[^|;&\n]*\s)?get\s+secrets?(?:\/\S+)?\s[^|;&\n]*(?:-o|--output)[=\s]*['"]?(?:yaml|json|jsonpath|go-template)/,
  /kubectl\s+(?:[^|;&\n]*\s)?view-secret\b/,
  /vault\s+(?:kv\s+get|read)\b/,
  /heroku\s+config(?::get)?(?![:\w-])/,
  /railway\s+variables\b(?![^|;&\n]*\s--set\b)/,
  /doppler\s+secrets(?:\s+(?:get|download)\b|\s*(?:$|[|;&\n]))/,
  /op\s+(?:read\b|item\s+get\b[^|;&\n]*--reveal)/,
  /security\s+find-(?:generic|internet)-password\b[^|;&\n]*\s-w\b/,
  /(?:pass|gopass)\s+(?:show\s+)?[\w.-]+\/[\w./-]+\s*(?:$|[|;&\n])/,
  /bw\s+get\s+(?:password|item|notes)\b/,
  /lpass\s+show\b/,
];
const CREDENTIAL_PRINTER = new RegExp(
  String.raw`(?:^|[;&|\n]|(?<!\$)\()\s*(?:sudo\s+)?(?:${PRINTERS.map((p) => p.source).join("|")})`,
);
const MAY_PRINT_CREDENTIAL =
  /\b(?:gh|gcloud|az|aws|kubectl|vault|heroku|railway|doppler|op|security|pass|gopass|bw|lpass)\s/;

/**
 * A long-lived secret's value written into the command (a token in a header or a URL, a key in a body): the prefixes
 * and shapes secrets.ts knows them by, looked for in full only when one of them appears.
 */
const MAY_HOLD_SECRET_VALUE =
  /AKIA|gh[pousr]_|github_pat_|glpat-|xox[abposr]-|hooks\.slack|PRIVATE KEY|_live_|:\/\/[^\s/@]+:[^\s@]+@|AIza|sk-|npm_|_authToken|SG\.|ls[kh]_|hvs\.|dop_v1_|"auth"|machine\s/;

/** Cheap pre-checks: most commands mention no credential file and no environment dump at all. */
const MAY_NAME_FILE =
  /\.(?:aws|ssh|netrc|env|git-credentials|docker|kube|npmrc|pypirc|pgpass|my\.cnf|s3cfg|cargo|config|azure|vault-token|terraform|gnupg|password-store)|shadow|secrets?\b|-\d{8}-[0-9a-f]{8}\.json|totp-\d/i;
const MAY_DUMP = /env|set|export|declare|compgen|ENV/;

/** A login that reads the password on stdin (`aws ecr get-login-password | docker login --password-stdin`) takes it. */
const TAKEN_ON_STDIN = /^[^;&\n]*\|[^;&\n]*(?:--password-stdin\b|\bsecret\s+set\b|\bcreate\s+secret\b)/;

/** The credential printer at the start of a command whose output is not handed straight to a login, or null. */
function credentialPrinted(command: string): RegExpExecArray | null {
  const match = CREDENTIAL_PRINTER.exec(command);
  if (!match || TAKEN_ON_STDIN.test(command.slice(match.index + match[0].length))) return null;
  return match;
}

const printed = (match: RegExpExecArray) => match[0].replace(/^[;&|\n(]?\s*(?:sudo\s+)?/, "").trim();

export function analyzeExposure(command: string, an: Analysis): void {
  const machine = instanceCredentialsRead(command);
  if (machine) an.uncertain(machineCredentials(machine), false);
  const dump = MAY_DUMP.test(command) ? ENVIRONMENT_DUMP.exec(command) : null;
  const paths = MAY_NAME_FILE.test(command) ? readablePaths(command) : "";
  const file = paths ? (CREDENTIAL_FILE.exec(paths) ?? CREDENTIAL_DIRECTORY.exec(paths)) : null;
  const printer = MAY_PRINT_CREDENTIAL.test(command) ? credentialPrinted(command) : null;
  const value = MAY_HOLD_SECRET_VALUE.test(command) ? findSecretPattern(command) : null;
  // The network is looked for only once there is something secret to send: most commands hold nothing of the kind.
  if (
    (dump || file || printer || value || SECRET_VARIABLE.test(command)) &&
    NETWORK_SINK.test(printer ? command.replace(printer[0], " ") : command)
  ) {
    const what = dump
      ? "the environment"
      : file
        ? `a credential file (${file[0].trim().replace(/^[@'"=<:]/, "")})`
        : printer
          ? `the credential ${printed(printer)} prints`
          : value
            ? `what looks like a long-lived secret (${value.pattern.kind})`
            : "a secret-named variable";
    an.uncertain(`secret_exposure: sends ${what} over the network; a human should see where it goes`, false);
    return;
  }
  if (printer) {
    an.uncertain(`secret_exposure: ${printed(printer)} prints a credential into the agent's context`, false);
    return;
  }
  if (file && PRINTS_FILE.test(command)) {
    an.uncertain(
      `secret_exposure: reads a credential file (${file[0].trim().replace(/^[@'"=<:]/, "")}) into the agent's context`,
      false,
    );
  }
}

/**
 * The command with its paths spelled one way: backslashes as slashes (Windows paths), quotes dropped (they may split
 * a path: `~/".aws"/credentials`), doubled slashes and `/./` collapsed.
 */
function readablePaths(command: string): string {
  return collapseSlashes(command.replace(/\\/g, "/").replace(/["']/g, ""));
}

/** The finding for a read of the machine's own cloud credentials (instance-credentials.ts). */
export const machineCredentials = (where: string) =>
  `secret_exposure: reads the machine's own cloud credentials from ${where}; they act as the machine, beyond the task's scope`;
