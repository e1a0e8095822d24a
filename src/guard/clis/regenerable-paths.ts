// Paths whose deletion loses nothing: build output, dependency installs and caches that a build, an install or a
// test run recreates, lockfiles the package manager writes afresh from the manifest, and the system's scratch places.
import { normalizePath } from "../paths.ts";

/**
 * Directories that only a tool writes, matched as a whole path segment anywhere in the path. Names a project might
 * also give its own sources (`lib`, `bin`, `site`, `deps`, `vendor`) are left out: deleting them may lose code.
 */
const GENERATED_DIRECTORIES = [
  // JavaScript: installs, bundler and framework output, caches, test reports.
  "node_modules",
  "bower_components",
  "dist",
  "build",
  "out",
  "\\.next",
  "\\.nuxt",
  "\\.output",
  "\\.svelte-kit",
  "\\.angular",
  "\\.turbo",
  "\\.nx",
  "\\.parcel-cache",
  "\\.sass-cache",
  "\\.eslintcache",
  "\\.expo",
  "\\.docusaurus",
  "storybook-static",
  "\\.vercel\\/output",
  "\\.serverless",
  "\\.aws-sam",
  "cdk\\.out",
  "coverage",
  "\\.nyc_output",
  "test-results",
  "playwright-report",
  "blob-report",
  "cypress\\/(?:videos|screenshots)",
  "\\.pnpm-store",
  "\\.yarn\\/(?:cache|unplugged)",
  "\\.npm",
  // Python: bytecode, tool caches, virtual environments, packaging output, coverage reports.
  "__pycache__",
  "\\.pytest_cache",
  "\\.mypy_cache",
  "\\.ruff_cache",
  "\\.hypothesis",
  "\\.tox",
  "\\.nox",
  "\\.venv",
  "venv",
  "\\.eggs",
  "[^/]+\\.egg-info",
  "htmlcov",
  // Compiled languages: Rust, Java/Kotlin, C/C++ (CMake, CLion), Haskell, Zig, Elm, Elixir/Sphinx, Dart, iOS.
  "target",
  "\\.gradle",
  "\\.m2\\/repository",
  "cmake-build-[\\w.-]+",
  "CMakeFiles",
  "\\.stack-work",
  "dist-newstyle",
  "\\.?zig-cache",
  "zig-out",
  "elm-stuff",
  "_build",
  "\\.dart_tool",
  "Pods",
  "DerivedData",
  // Infrastructure tools' downloaded providers and modules.
  "\\.terraform",
  "\\.terragrunt-cache",
  // Caches and scratch, per project and per user (XDG, macOS); Cargo's downloaded crates and git sources.
  "\\.cache",
  "\\.cargo\\/(?:registry|git)",
  "Library\\/Caches",
  "tmp",
  "\\.tmp",
];

/** Files that only a tool writes: compiled objects, build info, coverage data, package managers' crash logs. */
const GENERATED_FILES = [
  "[^/]+\\.(?:pyc|pyo|o|obj|class|tsbuildinfo)",
  "a\\.out",
  "\\.DS_Store",
  "\\.coverage(?:\\.[^/]+)?",
  "coverage\\.xml",
  "lcov\\.info",
  "(?:npm|yarn|pnpm|lerna)-(?:debug|error)\\.log(?:\\.\\d+)?",
];

/**
 * Lockfiles: the package manager resolves the manifest again and writes a new one (`rm package-lock.json && npm
 * install`). What changes is which versions get pinned, which the next diff shows; nothing is lost.
 */
const LOCKFILES = [
  "package-lock\\.json",
  "yarn\\.lock",
  "pnpm-lock\\.yaml",
  "bun\\.lockb?",
  "Cargo\\.lock",
  "poetry\\.lock",
  "uv\\.lock",
  "pdm\\.lock",
  "Pipfile\\.lock",
  "Gemfile\\.lock",
  "composer\\.lock",
  "Podfile\\.lock",
  "pubspec\\.lock",
  "mix\\.lock",
  "go\\.sum",
  "\\.terraform\\.lock\\.hcl",
];

const SCRATCH = /^\/(?:private\/)?tmp\/.|^\/(?:private\/)?var\/folders\/[^/]+\/[^/]+\/T\/./;
const GENERATED_DIRECTORY = new RegExp(`(^|/)(${GENERATED_DIRECTORIES.join("|")})(/|$)`);
const GENERATED_FILE = new RegExp(`(^|/)(${[...GENERATED_FILES, ...LOCKFILES].join("|")})$`);

/**
 * The paths the shell's brace expansion makes of one word (`/tmp/{a,..}/srv` is `/tmp/a/srv` and `/srv`), innermost
 * braces first; null past 64 of them.
 */
function expandBraces(path: string): string[] | null {
  const m = /\{([^{}]*,[^{}]*)\}/.exec(path);
  if (!m) return [path];
  const out: string[] = [];
  for (const alternative of m[1]!.split(",")) {
    const rest = expandBraces(path.slice(0, m.index) + alternative + path.slice(m.index + m[0].length));
    if (!rest || out.push(...rest) > 64) return null;
  }
  return out;
}

/** Whether deleting the path loses nothing: it is, in every path its braces spell, build output, a cache or scratch. */
export function isRegenerable(path: string): boolean {
  const paths = expandBraces(path);
  return paths?.every(isRegenerablePath) ?? false;
}

function isRegenerablePath(path: string): boolean {
  const clean = normalizePath(path).replace(/\/+$/, "").replace(/^\.\//, "");
  if (clean.startsWith("..")) return false;
  if (clean === "" || clean === "." || clean === "/" || clean === "~" || clean === "*") return false;
  return GENERATED_DIRECTORY.test(clean) || GENERATED_FILE.test(clean) || SCRATCH.test(clean);
}
