// Secrets leaving the machine: the environment or a credential file read by a command that also talks to the network.
// Not destructive, but never something to approve without a human: the finding is uncertain, so a hook asks.
// Read from the command text as a whole, so a pipe, a redirect, `$(…)` or a payload all count the same.
import type { Analysis } from "./analysis.ts";

/** Whole-environment dumps and the process environment file. */
const ENVIRONMENT_DUMP =
  /(?:^|[|;&(`]|\$\()\s*(?:sudo\s+)?(?:printenv|env|export\s+-p|set|declare\s+-x|compgen\s+-v)\s*(?:$|[|;&)>`])|\/proc\/(?:self|\d+|\$\$)\/environ|\bos\.environ\b|\bprocess\.env\b(?!\.\w)|\bENV\.to_h\b|%ENV\b/;

/** Files that hold credentials by convention. */
const CREDENTIAL_FILE =
  /(?:^|[\s'"=@<:/])(?:~|\$HOME|\$\{HOME\}|\/root|\/home\/[^/\s]+)?\/?(?:\.aws\/(?:credentials|config)|\.ssh\/(?:id_[a-z0-9]+|[^\s/]*\.pem)|\.netrc|\.git-credentials|\.docker\/config\.json|\.kube\/config|\.npmrc|\.pypirc|\.pgpass|\.my\.cnf|\.config\/gh\/hosts\.yml|\.config\/gcloud\/(?:credentials\.db|application_default_credentials\.json|legacy_credentials)|\.azure\/(?:accessTokens\.json|msal_token_cache\.json)|\.vault-token|\.terraformrc|\.terraform\.d\/credentials\.tfrc\.json)\b|(?:^|[\s'"=@<])(?:\.\/)?(?:[\w.-]*\/)*\.env(?:\.(?!example|sample|template|dist)[\w-]+)?(?=$|[\s'")|;&>])|\/etc\/(?:shadow|gshadow)\b|\/var\/run\/secrets\/|\bsecrets?\/[\w.-]+\.(?:json|ya?ml|key|pem)\b/;

/**
 * Directories that hold nothing but credentials, named whole (`tar czf - ~/.ssh`, `scp -r ~/.aws host:`, `zip -r k.zip
 * ~/.gnupg/`): every key in them goes where the directory goes.
 */
const CREDENTIAL_DIRECTORY =
  /(?:^|[\s'"=@<:])(?:~|\$HOME|\$\{HOME\}|\/root|\/home\/[^/\s]+)\/\.(?:ssh|aws|gnupg|kube|docker|password-store|azure|config\/gcloud|config\/gh)\/?(?=$|[\s'")|;&>])/;

/** Variables whose names say they hold a secret. */
const SECRET_VARIABLE =
  /\$\{?[A-Za-z_]*(?:SECRET|TOKEN|PASSWORD|PASSWD|API_KEY|APIKEY|PRIVATE_KEY|ACCESS_KEY|CREDENTIALS?)[A-Za-z0-9_]*\}?/i;

/** Programs and devices that send data elsewhere. */
const NETWORK_SINK =
  /(?:^|[\s|;&(`]|\$\()(?:curl|wget|nc|ncat|netcat|socat|telnet|ftp|sftp|scp|rsync|ssh|http|https|xh|httpie|aws\s+s3\s+(?:cp|mv|sync)|gsutil|gcloud\s+storage\s+cp|az\s+storage|rclone|sendmail|mail|mailx|openssl\s+s_client)(?=$|[\s|;&)`])|\/dev\/(?:tcp|udp)\/|\b(?:requests|httpx|urllib|fetch|axios|Net::HTTP|LWP|IO::Socket|socket)\b/;

/** Programs that print what they are given. */
const PRINTS_FILE =
  /(?:^|[\s|;&(`]|\$\()(?:cat|less|more|head|tail|bat|strings|xxd|od|base64|grep|rg|awk|sed|jq|yq)\s/;

/** Cheap pre-checks: most commands mention no credential file and no environment dump at all. */
const MAY_NAME_FILE =
  /\.(?:aws|ssh|netrc|env|git-credentials|docker|kube|npmrc|pypirc|pgpass|my\.cnf|config|azure|vault-token|terraform|gnupg|password-store)|shadow|secrets?\//;
const MAY_DUMP = /env|set|export|declare|compgen|ENV/;

export function analyzeExposure(command: string, an: Analysis): void {
  const dump = MAY_DUMP.test(command) ? ENVIRONMENT_DUMP.exec(command) : null;
  const file = MAY_NAME_FILE.test(command)
    ? (CREDENTIAL_FILE.exec(command) ?? CREDENTIAL_DIRECTORY.exec(command))
    : null;
  // The network is looked for only once there is something secret to send: most commands hold nothing of the kind.
  if ((dump || file || SECRET_VARIABLE.test(command)) && NETWORK_SINK.test(command)) {
    const what = dump
      ? "the environment"
      : file
        ? `a credential file (${file[0].trim().replace(/^[@'"=<:]/, "")})`
        : "a secret-named variable";
    an.uncertain(`secret_exposure: sends ${what} over the network; a human should see where it goes`, false);
    return;
  }
  if (file && PRINTS_FILE.test(command)) {
    an.uncertain(
      `secret_exposure: reads a credential file (${file[0].trim().replace(/^[@'"=<:]/, "")}) into the agent's context`,
      false,
    );
  }
}
