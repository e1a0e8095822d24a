// Commands that inline code runs: the calls are found in every spelling a language offers (qualified, imported under
// another name, looked up by name), a command given as literals is classified as shell, and one the code builds at
// run time (`os.system(cmd)`, `execSync(process.argv[1])`, Ruby's `` `#{cmd}` ``) may do anything, so it is asked about.
import type { Analysis, CodeLanguage } from "./analysis.ts";
import { commandOfArguments, readArguments } from "./code-arguments.ts";

/** Python's functions that run a command, by module. */
export const PYTHON_FUNCTIONS: Record<string, string> = {
  os: String.raw`system|popen|exec\w*|spawn\w*|posix_spawnp?`,
  subprocess: "run|call|check_call|check_output|Popen|getoutput|getstatusoutput",
  pty: "spawn",
  commands: "getoutput|getstatusoutput",
  asyncio: "create_subprocess_shell|create_subprocess_exec",
};
const PYTHON_MODULES = Object.keys(PYTHON_FUNCTIONS).join("|");
const ALL_PYTHON_FUNCTIONS = Object.values(PYTHON_FUNCTIONS).join("|");
export const NODE_FUNCTIONS =
  "execSync|exec|execFileSync|execFile|spawnSync|spawn|execa|execaSync|execaCommand|execaCommandSync";

/**
 * Calls that run a command, ending where their first argument starts: Python's os, subprocess, pty, commands and
 * asyncio functions (also through `__import__("os")` and `getattr(os, name)`), child_process and execa (also as
 * `cp["execSync"](…)`), Deno's and Bun's, Ruby's system/exec/spawn (also as `Kernel.` and `Process.` methods), IO.popen and Open3,
 * Perl's system, exec and readpipe, PHP's exec family and pcntl_exec, Lua's os.execute and io.popen. JavaScript's `exec(` is also RegExp's, so it counts
 * only in code that loads child_process or execa.
 */
const COMMAND_CALL: Partial<Record<CodeLanguage, RegExp>> = {
  python: new RegExp(
    String.raw`\b(?:(?:${Object.entries(PYTHON_FUNCTIONS)
      .map(([module, functions]) => `${module}\\.(?:${functions})`)
      .join(
        "|",
      )})|create_subprocess_(?:shell|exec)|__import__\s*\(\s*['"](?:${PYTHON_MODULES})['"]\s*\)\s*\.\s*(?:${ALL_PYTHON_FUNCTIONS})|getattr\s*\(\s*(?:${PYTHON_MODULES})\s*,[^)]{0,80}\)\s*)\s*\(`,
    "g",
  ),
  node: new RegExp(
    String.raw`\b(?:${NODE_FUNCTIONS})\s*\(|\[\s*['"\`](?:${NODE_FUNCTIONS})['"\`]\s*\]\s*\(|\b(?:Deno\.run|new\s+Deno\.Command|Bun\.spawn(?:Sync)?)\s*\(`,
    "g",
  ),
  ruby: /(?:(?<![.\w])|\b(?:Kernel|Process)\.)(?:system|exec|spawn)\b\s*\(?|\bIO\.popen\b\s*\(?|\bOpen3\.\w+\s*\(?/g,
  perl: /(?<![>\w])(?:system|exec|readpipe)\b\s*\(?/g,
  php: /\b(?:exec|shell_exec|system|passthru|proc_open|popen|pcntl_exec)\s*\(/g,
  lua: /\b(?:os\s*\.\s*execute|io\s*\.\s*popen)\b\s*\(?/g,
};
const CHILD_PROCESS = /child_process|\bexeca\b|\bDeno\.|\bBun\./;

/**
 * Command literals with something interpolated: Ruby's `` `…#{x}…` `` and %x(…#{x}…), Perl's `` `…$x…` `` and
 * qx(…$x…), PHP's `` `…$x…` ``. Each literal is found by its delimiters and then searched, so that unclosed ones in
 * long code cost linear time.
 */
const COMMAND_LITERAL: Partial<Record<CodeLanguage, { opener: RegExp; interpolation: RegExp }>> = {
  ruby: { opener: /`|%x([({[<|!])/g, interpolation: /#\{/ },
  perl: { opener: /`|\bqx\s*([({[<|!/'"])/g, interpolation: /[$@]/ },
  php: { opener: /`/g, interpolation: /\$/ },
};
const CLOSING: Record<string, string> = { "(": ")", "{": "}", "[": "]", "<": ">" };
/** Perl's pipe open of a command in a variable: `open(my $f, "-|", $cmd)`. */
const PERL_PIPE_OPEN = /\bopen\s*\(?[^;]{0,80}?['"](?:\|-|-\|)['"]\s*,\s*[$@]/;

function interpolatesCommand(language: CodeLanguage, source: string): boolean {
  if (language === "perl" && PERL_PIPE_OPEN.test(source)) return true;
  const literal = COMMAND_LITERAL[language];
  if (!literal) return false;
  for (let m = literal.opener.exec(source); m; m = literal.opener.exec(source)) {
    const open = m[1] ?? "`";
    const start = m.index + m[0].length;
    const end = source.indexOf(CLOSING[open] ?? open, start);
    if (end < 0) break;
    if (literal.interpolation.test(source.slice(start, end))) {
      literal.opener.lastIndex = 0;
      return true;
    }
    literal.opener.lastIndex = end + 1;
  }
  literal.opener.lastIndex = 0;
  return false;
}

const MOST_RENAMES = 32;
const escapeRegex = (name: string) => name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * The names this code gives command-running functions and modules: Python's `import subprocess as sp` and `from os
 * import system as run`, JavaScript's `const { execSync: run } = require("child_process")` and `import { exec as
 * run } from "node:child_process"`. Returned as a pattern of calls, or null when there are none.
 */
function renamedCalls(language: CodeLanguage, source: string): RegExp | null | "too many" {
  const calls: string[] = [];
  if (language === "python") {
    for (const m of source.matchAll(new RegExp(String.raw`\b(${PYTHON_MODULES})\s+as\s+(\w+)`, "g")))
      calls.push(String.raw`\b${m[2]}\.(?:${PYTHON_FUNCTIONS[m[1]!]})`);
    const from = new RegExp(
      String.raw`\bfrom\s+(${PYTHON_MODULES})(?:\.\w+)?\s+import\s+(?:\(([\w\s,]{1,400})\)|([\w \t,]{1,400}))`,
      "g",
    );
    for (const m of source.matchAll(from)) {
      const functions = new RegExp(`^(?:${PYTHON_FUNCTIONS[m[1]!]})$`);
      for (const item of (m[2] ?? m[3] ?? "").split(",")) {
        const [name = "", alias = name] = item.trim().split(/\s+as\s+/);
        if (functions.test(name)) calls.push(String.raw`(?<![.\w])${escapeRegex(alias.split(/\s/)[0]!)}`);
      }
    }
  } else if (language === "node") {
    const functions = new RegExp(`^(?:${NODE_FUNCTIONS})$`);
    const bound =
      /\{([^}]{0,400})\}\s*=\s*(?:require\s*\(|await\s+import\s*\()\s*['"`](?:node:)?child_process|\bimport\s*\{([^}]{0,400})\}\s*from\s*['"](?:node:)?child_process/g;
    for (const m of source.matchAll(bound))
      for (const item of (m[1] ?? m[2] ?? "").split(",")) {
        const [name = "", alias = name] = item.trim().split(/\s*:\s*|\s+as\s+/);
        if (functions.test(name) && /^[\w$]+$/.test(alias)) calls.push(`(?<![.\\w$])${escapeRegex(alias)}`);
      }
  }
  const distinct = [...new Set(calls)];
  // Code that renames these functions dozens of times is read as running anything, rather than paying for a huge
  // pattern.
  if (distinct.length > MOST_RENAMES) return "too many";
  return distinct.length ? new RegExp(`(?:${distinct.join("|")})\\s*\\(`, "g") : null;
}

const STRING_LITERAL = /'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"/g;

/**
 * The code with the insides of its string literals blanked, offsets unchanged. Strings that interpolate code (Ruby's
 * `#{…}`, Perl's `@{[…]}`, PHP's `{$…}`) are kept: what they interpolate runs.
 */
function blankStrings(source: string): string {
  return source.replace(STRING_LITERAL, (s) =>
    s[0] === '"' && /#\{|[$@]\{|\{\$/.test(s) ? s : s[0] + " ".repeat(s.length - 2) + s[0],
  );
}

/** Node's calls that take argv after the program, so a computed second argument is part of the command. */
const ARGV_FOLLOWS = /\b(?:spawn|spawnSync|execFile|execFileSync|execa|execaSync)\b/;

/**
 * Node's internal bindings (`process.binding(name)`, `process._linkedBinding(name)`, `internalBinding(name)`) and
 * Deno's internals sit under child_process and fs: spawn_sync and process_wrap start processes, fs writes files.
 * Only the bindings that describe the process or convert data are read as harmless; any other, or a name the code
 * computes, may run a command. `process` may go by another name (`const p = process`, `new Function('return
 * process')()`), so any `.binding(…)` counts, and so does the method taken without a call (`const b =
 * process.binding`), named in a string (`Reflect.get(process, 'binding')`) or destructured (`{ binding } = process`).
 */
const NODE_BINDING =
  /(?:\.\s*|\[\s*['"`])(?:binding|_linkedBinding)\b['"`]?\s*\]?(?:\s*\(\s*)?|['"`](?:binding|_linkedBinding)['"`]|\{[^{}]{0,200}\b(?:binding|_linkedBinding)\b[^{}]{0,200}\}\s*=|\binternalBinding\s*\(\s*|\bDeno\s*\[\s*Deno\s*\.\s*internal\s*\]|\bDeno\s*\.\s*core\b|\bprocess\s*\.\s*dlopen\s*\(/g;
const DESCRIPTIVE_BINDING =
  /^(['"`])(?:constants|natives|os|util|buffer|config|uv|types|symbols|errors|string_decoder|url|icu|v8|credentials|performance|timers|trace_events|report|http_parser|encoding_binding)\1\s*\)/;

function reachesNodeInternals(source: string): boolean {
  for (const m of source.matchAll(NODE_BINDING)) {
    if (!m[0].endsWith("(") || /dlopen/.test(m[0])) return true;
    if (!DESCRIPTIVE_BINDING.test(source.slice(m.index + m[0].length, m.index + m[0].length + 40)))
      return true;
  }
  return false;
}

/**
 * Template-literal shells, Bun's and zx's and execa's `` $`cmd` ``: literal text is the command; an interpolation is
 * a part of it the code computes.
 */
const TEMPLATE_SHELL =
  /(?:\bBun\s*\.\s*\$|(?<![\w$.])\$(?:\s*\([^)]{0,200}\))?)\s*`((?:[^`\\]|\\.){0,2000})`/g;

/**
 * Calls that run code or load a module given as their first argument (`eval`, `exec`, `new Function`, `vm.run…`,
 * `importlib.import_module`, a computed `require`), ending where that argument starts. A literal there is read as
 * code of the same language (or, for a module, is just a module); anything computed may do anything.
 */
const DYNAMIC_CODE: Partial<Record<CodeLanguage, { code: RegExp; module?: RegExp }>> = {
  python: {
    code: /(?<![.\w])(?:exec|eval|compile)\s*\(/g,
    module: /(?<![.\w])(?:__import__|importlib\s*\.\s*import_module)\s*\(/g,
  },
  node: {
    code: /(?<![.\w$])eval\s*\(|\bnew\s+Function\s*\(|(?<![.\w$])Function\s*\(|\bvm\s*\.\s*(?:runIn\w*|compileFunction)\s*\(|\bnew\s+vm\s*\.\s*Script\s*\(|\brunIn(?:This|New)?Context\s*\(/g,
    module: /(?<![.\w$])(?:require|import)\s*\(/g,
  },
  ruby: { code: /(?<![.\w])(?:eval|instance_eval|class_eval|module_eval)\b\s*\(?(?!\s*(?:\{|do\b))/g },
  perl: { code: /(?<![>\w])eval\b\s*\(?(?!\s*\{)/g },
  lua: {
    code: /(?<![.\w])(?:load|loadstring)\s*\(/g,
    module: /(?<![.\w])(?:require|dofile|loadfile)\s*\(/g,
  },
  php: {
    code: /(?<![>\w$])(?:eval|assert|create_function)\s*\(/g,
    module: /(?<![>\w$])(?:call_user_func(?:_array)?|forward_static_call(?:_array)?)\s*\(/g,
  },
};

/**
 * A function or global looked up by a name the code computes or spells as text: `globalThis["ev"+"al"]`,
 * `os.__dict__["system"]`, `vars(os)[…]`, PHP's `$f(…)`.
 */
const COMPUTED_LOOKUP: Partial<Record<CodeLanguage, RegExp>> = {
  python: /\b(?:globals|locals)\s*\(\s*\)\s*\[/,
  node: /\b(?:globalThis|global|window|self)\s*\[\s*(?!(['"`])(?!(?:eval|Function|require|process|module)\1)[\w$]+\1\s*\])/,
  php: /(?<![>\w:])\$\w+\s*\(/,
};

/** Code run from a literal is read as code; code the program builds, or a module it names at run time, is asked about. */
function analyzeDynamicCode(language: CodeLanguage, source: string, an: Analysis): void {
  const lookup = COMPUTED_LOOKUP[language];
  if (lookup?.test(source))
    an.uncertain(
      `inline ${language} code calls a function it looks up by a computed name, which may do anything`,
      true,
    );
  const dynamic = DYNAMIC_CODE[language];
  if (!dynamic) return;
  for (const m of source.matchAll(dynamic.code)) {
    const args = readArguments(language, source, m.index + m[0].length, m[0].endsWith("("));
    const first = args[0];
    if (first?.kind === "string") {
      an.nested.code(language, first.value);
    } else
      an.uncertain(`inline ${language} code runs code it builds at run time, which may do anything`, true);
  }
  if (!dynamic.module) return;
  for (const m of source.matchAll(dynamic.module)) {
    const first = readArguments(language, source, m.index + m[0].length, true)[0];
    if (
      first?.kind === "string" &&
      !/^(?:system|exec|shell_exec|passthru|proc_open|popen|pcntl_exec)$/.test(first.value)
    )
      continue;
    an.uncertain(
      `inline ${language} code loads or calls something it names at run time, which may do anything`,
      true,
    );
  }
}

/**
 * The commands inline code runs. Each call's arguments are read: literals (a command line, argv words, the running
 * interpreter as `sys.executable` or `process.execPath`) are classified as that command; anything computed, as a
 * command that may do anything.
 */
export function analyzeCommandCalls(language: CodeLanguage, source: string, an: Analysis): void {
  const built = (what: string) =>
    an.uncertain(`inline ${language} code ${what}, which may do anything`, true);
  if (interpolatesCommand(language, source)) built("runs a command it builds at run time");
  analyzeDynamicCode(language, source, an);
  if (language === "node") {
    if (reachesNodeInternals(source)) built("runs commands through the runtime's internal bindings");
    for (const m of source.matchAll(TEMPLATE_SHELL)) {
      if (m[1]!.includes("${")) built("runs a shell command it builds at run time");
      else an.nested.shell(m[1]!);
    }
  }
  const call = COMMAND_CALL[language];
  if (!call || (language === "node" && !CHILD_PROCESS.test(source))) return;
  const renamed = renamedCalls(language, source);
  if (renamed === "too many") {
    built("runs a command it builds at run time");
    return;
  }
  // Ruby's, Perl's and Lua's calls go without parentheses, so `"bundle exec rspec"` would read as a call of exec: their
  // calls are looked for outside string literals. Python's and JavaScript's name modules in strings (`__import__("os")`).
  const searched =
    language === "ruby" || language === "perl" || language === "php" || language === "lua"
      ? blankStrings(source)
      : source;
  for (const pattern of [call, renamed]) {
    if (!pattern) continue;
    for (const m of searched.matchAll(pattern)) {
      const args = readArguments(language, source, m.index + m[0].length, m[0].endsWith("("));
      const command = commandOfArguments(args, ARGV_FOLLOWS.test(m[0]));
      if (command === null) built("runs a command it builds at run time");
      else if (command) an.nested.shell(command);
    }
  }
}
