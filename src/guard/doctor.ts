// `leash doctor`: looks where an agent would look (its environment, the working tree, dotfiles in the home
// directory, optionally shell history) for long-lived secrets, and says how to get rid of each.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join, relative } from "node:path";
import { findSecretPattern, isLongLivedSecretVariable, maskSecret, secretNameFix } from "./secrets.ts";

export interface DoctorFinding {
  /** A path, or `env` for the process environment. */
  file: string;
  /** 1-based line, or 0 for environment variables. */
  line: number;
  kind: string;
  /** The secret with all but four characters masked. */
  secret: string;
  /** The variable name when the finding is an assignment. */
  name?: string;
  fix: string;
}

export interface DoctorOptions {
  dir: string;
  env?: NodeJS.ProcessEnv;
  history?: boolean;
  /** Home directory for dotfiles and history; defaults to the user's. */
  home?: string | null;
}

const MAX_FILE_BYTES = 1024 * 1024;
const MAX_WALK_FILES = 20_000;
const SKIP_DIRS = new Set([
  "node_modules",
  ".git",
  "dist",
  "build",
  ".next",
  "target",
  "vendor",
  ".venv",
  "venv",
  "__pycache__",
  "coverage",
  ".cache",
  ".terraform",
]);
const SECRET_FILE =
  /^(\.env(\..+)?|.+\.env|\.npmrc|\.netrc|_netrc|\.pgpass|\.git-credentials|credentials|config\.json|kubeconfig|.*\.kubeconfig|\.dockercfg|id_(rsa|ecdsa|ed25519|dsa)|.*\.pem|.*\.key|\.htpasswd|secrets?\.(ya?ml|json|toml)|terraform\.tfvars|.*\.auto\.tfvars|application\.(properties|ya?ml)|settings\.py|wp-config\.php)$/i;
const HOME_FILES = [
  ".npmrc",
  ".netrc",
  ".pgpass",
  ".git-credentials",
  ".aws/credentials",
  ".aws/config",
  ".docker/config.json",
  ".kube/config",
  ".config/gh/hosts.yml",
  ".railway/config.json",
  ".config/railway/config.json",
  ".fly/config.yml",
  ".vault-token",
  ".ssh/id_rsa",
  ".ssh/id_ed25519",
  ".ssh/id_ecdsa",
  ".env",
];
const HISTORY_FILES = [
  ".bash_history",
  ".zsh_history",
  ".sh_history",
  ".local/share/fish/fish_history",
  ".psql_history",
  ".mysql_history",
  ".rediscli_history",
  ".python_history",
  ".node_repl_history",
];
const ASSIGNMENT =
  /^\s*(?:export\s+|set\s+-x\s+|setenv\s+)?["']?([A-Za-z_][A-Za-z0-9_.-]*)["']?\s*(?:=|:)\s*(.+?)\s*,?$/;

const WORKLOAD_IDENTITY_FIX =
  "this job can prove where it runs instead: mint with its OIDC token (`leash token --oidc github-actions` or `--oidc-token-file`, see docs/workload-identity.md) and drop the agent key";

/** CI systems and Kubernetes pods have a workload identity to mint with; a static agent key there is avoidable. */
function runsInCi(env: NodeJS.ProcessEnv): boolean {
  return ["CI", "GITHUB_ACTIONS", "GITLAB_CI", "BUILDKITE", "CIRCLECI", "KUBERNETES_SERVICE_HOST"].some(
    (name) => Boolean(env[name]) && env[name] !== "false",
  );
}

export function runDoctor(options: DoctorOptions): DoctorFinding[] {
  const findings: DoctorFinding[] = [];
  const env = options.env ?? process.env;
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || !isLongLivedSecretVariable(name, value)) continue;
    const pattern = findSecretPattern(value);
    const agentKeyInCi = pattern?.match.startsWith("lsk_") && runsInCi(env);
    findings.push({
      file: "env",
      line: 0,
      name,
      kind: pattern?.pattern.kind ?? "secret-variable",
      secret: maskSecret(pattern?.match ?? value),
      fix: `unset ${name} in the agent's environment; ${pattern?.pattern.fix ?? secretNameFix(name)}${agentKeyInCi ? `; ${WORKLOAD_IDENTITY_FIX}` : ""}`,
    });
  }
  const files = new Map<string, string>();
  for (const file of workingTreeFiles(options.dir)) files.set(file, relative(process.cwd(), file) || file);
  const home = options.home === undefined ? homedir() : options.home;
  if (home) {
    for (const f of HOME_FILES) files.set(join(home, f), `~/${f}`);
    if (options.history) {
      for (const f of HISTORY_FILES) files.set(join(home, f), `~/${f}`);
      if (env.HISTFILE) files.set(env.HISTFILE, env.HISTFILE);
    }
  }
  for (const [path, shown] of files) findings.push(...scanFile(path, shown));
  return dedupe(findings);
}

/** Tracked files when the directory is a git repository, plus secret-looking files found by walking it. */
function workingTreeFiles(dir: string): string[] {
  const out = new Set<string>();
  try {
    const listed = execFileSync("git", ["-C", dir, "ls-files", "-z"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      maxBuffer: 64 * 1024 * 1024,
    });
    for (const f of listed.split("\0")) if (f) out.add(join(dir, f));
  } catch {
    // not a git repository, or git is missing: the walk below still finds the usual suspects
  }
  walk(dir, 0, out);
  return [...out];
}

function walk(dir: string, depth: number, out: Set<string>): void {
  if (depth > 8 || out.size > MAX_WALK_FILES) return;
  let entries: import("node:fs").Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name)) walk(path, depth + 1, out);
    } else if (e.isFile() && (SECRET_FILE.test(e.name) || /(^|\/)\.(aws|kube|docker)\//.test(path)))
      out.add(path);
  }
}

function scanFile(path: string, shown: string): DoctorFinding[] {
  if (!existsSync(path)) return [];
  let text: string;
  try {
    const stat = statSync(path);
    if (!stat.isFile() || stat.size > MAX_FILE_BYTES) return [];
    text = readFileSync(path, "utf8");
  } catch {
    return [];
  }
  if (text.includes("\0")) return [];
  const findings: DoctorFinding[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.length > 4000) continue;
    const pattern = findSecretPattern(line);
    if (pattern) {
      findings.push({
        file: shown,
        line: i + 1,
        kind: pattern.pattern.kind,
        secret: maskSecret(pattern.match),
        fix: pattern.pattern.fix,
      });
      continue;
    }
    const assignment = ASSIGNMENT.exec(line);
    if (assignment && !line.trim().startsWith("#")) {
      const [, name, raw] = assignment;
      const value = raw!.replace(/^["']|["']$/g, "");
      if (isLongLivedSecretVariable(name!, value)) {
        findings.push({
          file: shown,
          line: i + 1,
          name,
          kind: "secret-variable",
          secret: maskSecret(value),
          fix: `remove ${name} from ${shown}; ${secretNameFix(name!)}`,
        });
      }
    }
  }
  return findings;
}

function dedupe(findings: DoctorFinding[]): DoctorFinding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.file}:${f.line}:${f.kind}:${f.name ?? ""}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
