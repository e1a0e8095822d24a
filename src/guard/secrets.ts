// What a long-lived secret looks like: value patterns (AKIA…, ghp_…, private key blocks) and secret-named variables
// with real values. Used by `leash doctor` to find them and by `leash exec` to scrub an environment.

export interface SecretPattern {
  kind: string;
  pattern: RegExp;
  fix: string;
}

const ROTATE =
  "rotate it, delete it from here, and let the agent get a short-lived task token with `leash exec` instead";

export const SECRET_PATTERNS: readonly SecretPattern[] = [
  {
    kind: "aws-access-key",
    pattern: /\bAKIA[0-9A-Z]{16}\b/,
    fix: `deactivate the IAM access key, ${ROTATE}; prefer role credentials`,
  },
  {
    kind: "aws-secret-key",
    pattern: /\baws_secret_access_key\s*[=:]\s*["']?[A-Za-z0-9/+=]{40}\b/i,
    fix: `deactivate the IAM access key, ${ROTATE}`,
  },
  {
    kind: "github-token",
    pattern: /\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,}\b|\bgithub_pat_[A-Za-z0-9_]{22,}\b/,
    fix: `revoke the token in GitHub settings, ${ROTATE}`,
  },
  {
    kind: "gitlab-token",
    pattern: /\bglpat-[A-Za-z0-9_-]{20,}\b/,
    fix: `revoke the token in GitLab, ${ROTATE}`,
  },
  {
    kind: "slack-token",
    pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/,
    fix: `revoke the token in the Slack app settings, ${ROTATE}`,
  },
  {
    kind: "slack-webhook",
    pattern: /https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]+\/B[A-Z0-9]+\/[A-Za-z0-9]+/,
    fix: `regenerate the webhook URL, ${ROTATE}`,
  },
  {
    kind: "private-key",
    pattern: /-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----/,
    fix: "move the key out of the agent's reach (an agent or hardware key), and replace it if it was ever committed",
  },
  {
    kind: "stripe-live-key",
    pattern: /\b(?:sk|rk)_live_[A-Za-z0-9]{16,}\b/,
    fix: `roll the key in the Stripe dashboard, ${ROTATE}`,
  },
  {
    kind: "database-url",
    pattern:
      /\b(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|amqps?|mssql|sqlserver):\/\/[^:\s/@'"]+:[^@\s'"]+@[^\s'"]+/,
    fix: "change the database password and use Vault dynamic credentials through a leash scope",
  },
  {
    kind: "google-api-key",
    pattern: /\bAIza[0-9A-Za-z_-]{35}\b/,
    fix: `delete the key in the Google Cloud console, ${ROTATE}`,
  },
  {
    kind: "openai-api-key",
    pattern:
      /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}T3BlbkFJ[A-Za-z0-9_-]{20,}\b|\bsk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,}\b/,
    fix: `revoke the key, ${ROTATE}`,
  },
  { kind: "anthropic-api-key", pattern: /\bsk-ant-[A-Za-z0-9_-]{40,}\b/, fix: `revoke the key, ${ROTATE}` },
  {
    kind: "npm-token",
    pattern: /\bnpm_[A-Za-z0-9]{36}\b|_authToken\s*=\s*[^\s$][^\s]{10,}/,
    fix: `revoke the token with \`npm token revoke\`, ${ROTATE}`,
  },
  {
    kind: "sendgrid-api-key",
    pattern: /\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b/,
    fix: `revoke the key, ${ROTATE}`,
  },
  {
    kind: "leash-api-key",
    // leash's own long-lived keys (`lsk_` agents, `lsh_` humans): 32 random bytes in base64url after the prefix.
    pattern: /(?<![A-Za-z0-9_-])ls[kh]_[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/,
    fix: "rotate it (`leash agents rotate-key <id>` or `leash humans rotate-key <id>`) and keep it out of the agent's reach: an agent's tools need only its task token (`leash exec`)",
  },
  {
    kind: "vault-token",
    pattern: /\bhvs\.[A-Za-z0-9_-]{24,}\b/,
    fix: "revoke it with `vault token revoke`; let leash hand out leases per task",
  },
  { kind: "digitalocean-token", pattern: /\bdop_v1_[a-f0-9]{64}\b/, fix: `revoke the token, ${ROTATE}` },
  {
    kind: "docker-registry-auth",
    pattern: /"auth"\s*:\s*"[A-Za-z0-9+/=]{16,}"/,
    fix: "log out (`docker logout`) and use a credential helper instead of a stored password",
  },
  {
    kind: "kubeconfig-credential",
    pattern: /^\s*(?:token|client-key-data|password)\s*:\s*["']?[A-Za-z0-9+/=._-]{16,}/,
    fix: "use short-lived exec credentials (an auth plugin) instead of a stored token or key",
  },
  {
    kind: "netrc-password",
    pattern: /\bmachine\s+\S+\s+(?:login\s+\S+\s+)?password\s+\S{6,}/,
    fix: `remove the password from .netrc, ${ROTATE}`,
  },
];

const SECRET_NAME =
  /(?:^|_)(?:TOKEN|SECRET|PASSWORD|PASSWD|PASS|API_?KEY|ACCESS_?KEY|SECRET_?KEY|PRIVATE_?KEY|AUTH_?KEY|CREDENTIALS?|CLIENT_SECRET)$|^(?:DATABASE_URL|DB_URL|REDIS_URL|MONGO(?:DB)?_URL|MONGO_URI|AMQP_URL|HEROKU_API_KEY|RAILWAY_(?:API_)?TOKEN|FLY_API_TOKEN|VERCEL_TOKEN|NETLIFY_AUTH_TOKEN|SUPABASE_(?:ACCESS_TOKEN|SERVICE_ROLE_KEY)|CLOUDFLARE_API_(?:TOKEN|KEY)|DIGITALOCEAN_(?:ACCESS_)?TOKEN|HCLOUD_TOKEN)$/i;
const PLACEHOLDER =
  /^(?:|x+|\*+|changeme|change-me|placeholder|example|dummy|secret|password|todo|tbd|none|null|undefined|true|false|test|xxx.*|your[-_].*|<.*>|\{\{.*\}\}|\$\{.*\}|\$[A-Za-z_]\w*|%\w+%|op:\/\/.*|vault:.*|arn:aws:secretsmanager:.*|sm:\/\/.*)$/i;
/** A URL with credentials is a secret; one without is only an address. */
const URL_WITHOUT_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/(?:[^:@/\s]+@)?[^:@/\s]+(?::\d+)?(?:[/?#].*)?$/i;

/** The first secret pattern that matches the text, if any. */
export function findSecretPattern(text: string): { pattern: SecretPattern; match: string } | null {
  for (const pattern of SECRET_PATTERNS) {
    const m = pattern.pattern.exec(text);
    if (m) return { pattern, match: m[0] };
  }
  return null;
}

/** A variable an agent's environment should not carry: a recognisable secret value, or a secret-named variable with a real value. */
export function isLongLivedSecretVariable(name: string, value: string): boolean {
  const v = value.trim().replace(/^["']|["']$/g, "");
  if (findSecretPattern(v)) return true;
  if (!SECRET_NAME.test(name)) return false;
  if (v.length < 8 || PLACEHOLDER.test(v)) return false;
  if (URL_WITHOUT_PASSWORD.test(v)) return false;
  return true;
}

export function secretNameFix(name: string): string {
  if (/DATABASE|DB_|REDIS|MONGO|AMQP/i.test(name))
    return "change the password and use Vault dynamic credentials through a leash scope";
  return `${ROTATE}`;
}

/**
 * The secrets `text` holds: the values secret patterns match, and those of secret-named assignments (`API_KEY=…`,
 * `export DB_PASSWORD='…'`), so that what shows text read from a file can hide them.
 */
export function secretsIn(text: string): string[] {
  const found = new Set<string>();
  for (const { pattern } of SECRET_PATTERNS)
    for (const m of text.matchAll(new RegExp(pattern.source, `${pattern.flags.replace(/[gm]/g, "")}gm`)))
      found.add(m[0]);
  for (const m of text.matchAll(
    /(?:^|[\s;&|(`])(?:export\s+)?([A-Za-z_]\w*)=("[^"\n]*"|'[^'\n]*'|[^\s;&|)`]+)/gm,
  )) {
    const [, name = "", value = ""] = m;
    if (isLongLivedSecretVariable(name, value)) found.add(value.replace(/^["']|["']$/g, ""));
  }
  return [...found].filter((s) => s.length >= 4);
}

/** `text` with each of `known` and every value a secret pattern matches in it masked. */
export function maskSecrets(text: string, known: readonly string[] = []): string {
  let out = known.reduce((shown, secret) => shown.replaceAll(secret, maskSecret(secret)), text);
  for (const { pattern } of SECRET_PATTERNS)
    out = out.replace(new RegExp(pattern.source, `${pattern.flags.replace(/[gm]/g, "")}gm`), maskSecret);
  return out;
}

/** All but the first four characters hidden: enough to recognise, useless to steal. */
export function maskSecret(secret: string): string {
  const s = secret.trim();
  if (s.length <= 4) return "*".repeat(s.length);
  return `${s.slice(0, 4)}${"*".repeat(Math.min(12, s.length - 4))}`;
}
