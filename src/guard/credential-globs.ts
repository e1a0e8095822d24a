// Credential files a file search's glob picks out of the folder it searches. ripgrep, behind Claude Code's and
// Cursor's Grep, skips hidden and ignored files unless a glob names them: its globs override its ignore rules, so a
// search with `.env*` reads the .env files a plain search never opens.

/** The credential files `glob` picks out; none when it picks ordinary files too (`*`, `*.{ts,tsx}`): it is not aimed at them. */
export function credentialFilesPicked(glob: string): string[] {
  const picks = globPattern(glob);
  if (!picks || ORDINARY_FILES.some((name) => picks.test(name))) return [];
  return CREDENTIAL_FILES.filter((name) => picks.test(name));
}

const CREDENTIAL_FILES = [
  ".env",
  ".env.local",
  ".env.production",
  "prod.env",
  ".netrc",
  ".git-credentials",
  ".npmrc",
  ".pypirc",
  ".pgpass",
  ".my.cnf",
  ".s3cfg",
  ".vault-token",
  ".aws/credentials",
  ".ssh/id_rsa",
  ".ssh/id_ed25519",
  ".kube/config",
  ".docker/config.json",
];
const ORDINARY_FILES = ["index.ts", "src/app.py", "README.md", "package.json", "main.go"];

/**
 * A glob as ripgrep reads one: `*` and `?` within a name, `**` across folders, `{a,b}` alternatives, `[…]` classes; a
 * glob without a slash matches a file's name in any folder. Null for one it cannot read, which then picks nothing
 * beyond the folder itself.
 */
function globPattern(glob: string): RegExp | null {
  let source = "";
  let braces = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (glob.startsWith("**/", i)) {
      source += "(?:.*/)?";
      i += 2;
    } else if (glob.startsWith("**", i)) {
      source += ".*";
      i += 1;
    } else if (glob.startsWith("[!", i)) {
      source += "[^";
      i += 1;
    } else if (c === "{") {
      source += "(?:";
      braces++;
    } else if (c === "}" && braces > 0) {
      source += ")";
      braces--;
    } else
      source += GLOB_CHARACTERS[c] ?? (c === "," && braces > 0 ? "|" : c.replace(/[.+^$()|\\{}]/g, "\\$&"));
  }
  try {
    return new RegExp(`(?:^|/)${source}$`);
  } catch {
    return null;
  }
}

const GLOB_CHARACTERS: Record<string, string> = { "*": "[^/]*", "?": "[^/]", "[": "[", "]": "]" };
