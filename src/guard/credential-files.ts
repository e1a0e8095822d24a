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

/** Whether `path` (already normalised) names such a file. */
export function holdsCredentials(path: string): boolean {
  return ENVIRONMENT_FILE.test(path) || HOME_CREDENTIALS.test(path);
}
