// Files that hold a machine's or a project's credentials and that no repository keeps: written over, what they held
// is gone (a .env's secrets, ~/.kube/config's contexts, an SSH private key).

/** A home directory however a command spells it. */
const HOME = String.raw`(?:~|\$HOME|\$\{HOME\}|/root|/home/[^/]+)`;

/** Credential files of a home directory. */
const HOME_CREDENTIALS = new RegExp(
  String.raw`^${HOME}/(?:\.aws/(?:credentials|config)|\.ssh/(?:id_[a-z0-9_]+|[^/]+\.pem)|\.netrc|\.git-credentials|\.docker/config\.json|\.kube/config|\.npmrc|\.pypirc|\.pgpass|\.my\.cnf|\.config/gh/hosts\.yml|\.config/gcloud/(?:credentials\.db|application_default_credentials\.json)|\.vault-token|\.terraform\.d/credentials\.tfrc\.json)$`,
);

/**
 * A project's environment file (`.env`, `.env.local`, `config/.env.production`). Its templates are kept in git, and a
 * backup copy (`cp .env .env.bak`) is taken again from the file itself.
 */
const ENVIRONMENT_FILE =
  /(?:^|\/)\.env(?:\.(?!(?:example|sample|template|dist|defaults|bak|backup|old|orig|save)$)[\w-]+)?$/;

/**
 * leash's own private keys in its key directory: an environment's signing key (`staging/staging-20261207-34e221c9.json`,
 * the key id after its environment's directory) and a key that seals TOTP secrets (`totp/totp-20261207T014232Z-776c4be7.key`).
 * One written there is one the broker signs with or opens secrets with; one written over is a key lost.
 */
export const LEASH_KEY_FILE =
  /(?:^|\/)(?:([a-z0-9][\w-]{0,62})\/\1-\d{8}-[0-9a-f]{8}\.json|totp\/totp-\d{8}T\d{6}Z-[0-9a-f]{8}\.key)$/i;

/** Whether `path` (already normalised) names such a file. */
export function holdsCredentials(path: string): boolean {
  return ENVIRONMENT_FILE.test(path) || HOME_CREDENTIALS.test(path) || LEASH_KEY_FILE.test(path);
}
