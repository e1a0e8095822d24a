// Inline code reaches a function by more names than its qualified one: a module loaded under another name (`import
// shutil as s`, `const f = require('fs')`, `__import__('os')`), a function imported by name (`from os import remove
// as r`, `const {rmSync: r} = require('fs')`), a member looked up by text (`getattr(m, 'x')`, `m['x']`, Ruby's
// `send(:x)`, PHP's `call_user_func('x', …)`), a name joined from literal pieces (`'rm' + 'tree'`). This rewrites
// each spelling whose name is a literal to the qualified call the rules know, and asks about a member of a module
// that deletes or runs commands looked up by a name only known at run time, or taken as a value to be called later.
import type { Analysis, CodeLanguage } from "./analysis.ts";
import { NODE_FUNCTIONS, PYTHON_FUNCTIONS } from "./code-commands.ts";

/** A string literal that interpolates nothing: group `q` its quote, `b` (or `b1` in '…', `b2` in "…") its text. */
const PLAIN_LITERAL: Partial<Record<CodeLanguage, string>> = {
  // f-strings interpolate; r, b and u prefixes do not.
  python: String.raw`(?<![\w'"])[rRbBuU]{0,2}(?<q>['"])(?<b>(?:(?!\k<q>)[^\\\n]|\\.)*)\k<q>`,
  node: String.raw`(?<q>['"\`])(?<b>(?:(?!\k<q>)[^\\\n$]|\\.|\$(?!\{))*)\k<q>`,
  ruby: String.raw`(?<q>['"])(?<b>(?:(?!\k<q>)[^\\\n#]|\\.|#(?!\{))*)\k<q>`,
  perl: String.raw`'(?<b1>(?:[^'\\\n]|\\.)*)'|"(?<b2>(?:[^"\\\n$@]|\\.)*)"`,
  php: String.raw`'(?<b1>(?:[^'\\\n]|\\.)*)'|"(?<b2>(?:[^"\\\n$]|\\.)*)"`,
  lua: String.raw`(?<q>['"])(?<b>(?:(?!\k<q>)[^\\\n]|\\.)*)\k<q>`,
};
/** The operator that joins two strings: Python and Ruby also join literals written side by side. */
const JOIN: Partial<Record<CodeLanguage, string>> = {
  python: String.raw`\s*(?:\+\s*)?`,
  node: String.raw`\s*\+\s*`,
  ruby: String.raw`[ \t]*(?:\+\s*)?`,
  perl: String.raw`\s*\.\s*`,
  php: String.raw`\s*\.\s*`,
  lua: String.raw`\s*\.\.\s*`,
};
/** Two literals with the join between them, checked before the slower scan that joins them. */
const JOINED: Partial<Record<CodeLanguage, RegExp>> = {
  python: /['"]\s*\+?\s*[rRbBuU]{0,2}['"]/,
  node: /['"`]\s*\+\s*['"`]/,
  ruby: /['"][ \t]*\+?\s*['"]/,
  perl: /['"]\s*\.\s*['"]/,
  php: /['"]\s*\.\s*['"]/,
  lua: /['"]\s*\.\.\s*['"]/,
};
const MOST_PASSES = 3;

/** Literals joined by the language's operator, written as the one literal they make: `'rm' + 'tree'` → `'rmtree'`. */
function joinLiterals(language: CodeLanguage, text: string): string {
  const literal = PLAIN_LITERAL[language];
  const join = JOIN[language];
  if (!literal || !join || !JOINED[language]!.test(text)) return text;
  const first = new RegExp(literal, "g");
  const next = new RegExp(literal, "y");
  const joiner = new RegExp(join, "y");
  const body = (m: RegExpExecArray) => {
    const g = m.groups!;
    const quote = g.q ?? (g.b1 !== undefined ? "'" : '"');
    return (g.b ?? g.b1 ?? g.b2 ?? "").replaceAll(`\\${quote}`, quote);
  };
  let out = "";
  let at = 0;
  for (let m = first.exec(text); m; m = first.exec(text)) {
    const bodies = [body(m)];
    let end = first.lastIndex;
    for (;;) {
      joiner.lastIndex = end;
      if (!joiner.exec(text)) break;
      next.lastIndex = joiner.lastIndex;
      const piece = next.exec(text);
      if (!piece || next.lastIndex === joiner.lastIndex) break;
      bodies.push(body(piece));
      end = next.lastIndex;
    }
    first.lastIndex = end;
    if (bodies.length === 1) continue;
    const joined = bodies.join("");
    const quote = joined.includes("'") && !joined.includes('"') ? '"' : "'";
    out += `${text.slice(at, m.index)}${quote}${joined.replaceAll(quote, `\\${quote}`)}${quote}`;
    at = end;
  }
  return out + text.slice(at);
}

/** Writes `text` with the spans given blanked, so that offsets found in it stay valid. */
function blank(text: string, spans: readonly [number, number][]): string {
  let out = "";
  let at = 0;
  for (const [from, to] of [...spans].sort((a, b) => a[0] - b[0])) {
    if (from < at) continue;
    out += text.slice(at, from) + " ".repeat(to - from);
    at = to;
  }
  return out + text.slice(at);
}

const escapeRegex = (name: string) => name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const MOST_ALIASES = 48;

/**
 * Each name in `aliases` written as what it stands for, wherever it is used as a value (not after a dot, not as a
 * keyword argument's or an object key's name, not as the target of an assignment).
 */
function replaceAliases(text: string, aliases: ReadonlyMap<string, string>, an: Analysis, language: string) {
  if (aliases.size === 0) return text;
  if (aliases.size > MOST_ALIASES) {
    an.uncertain(`inline ${language} code renames modules and functions too often to follow`, true);
    return text;
  }
  const names = [...aliases.keys()].sort((a, b) => b.length - a.length).map(escapeRegex);
  const use = new RegExp(
    String.raw`(?<![.\w$'"\`])(?:${names.join("|")})(?![\w$'"\`])(?!\s*(?:=(?![=>~])|:(?!:)))`,
    "g",
  );
  return text.replace(use, (name) => aliases.get(name) ?? name);
}

/** Module names as each language loads them, written as the name the rules know. */
const PYTHON_MODULE_NAMES: Record<string, string> = {
  os: "os",
  posix: "os",
  nt: "os",
  shutil: "shutil",
  subprocess: "subprocess",
  pty: "pty",
  commands: "commands",
  asyncio: "asyncio",
  builtins: "builtins",
  __builtins__: "builtins",
  importlib: "importlib",
};
const PYTHON_MODULES = Object.keys(PYTHON_MODULE_NAMES).join("|");
const PYTHON_DELETERS: Record<string, string> = {
  os: "remove|unlink|rmdir|removedirs|truncate",
  shutil: "rmtree",
};
/** The functions of each module that delete or run commands, by name: what `from M import *` brings. */
const PYTHON_MEMBERS: Record<string, string> = {
  os: `${PYTHON_DELETERS.os}|${PYTHON_FUNCTIONS.os!.replace(String.raw`exec\w*`, String.raw`exec[lv]\w*`)}`,
  shutil: PYTHON_DELETERS.shutil!,
  subprocess: PYTHON_FUNCTIONS.subprocess!,
  pty: PYTHON_FUNCTIONS.pty!,
  commands: PYTHON_FUNCTIONS.commands!,
  asyncio: PYTHON_FUNCTIONS.asyncio!,
};
const PYTHON_LOADED =
  /(?:(?<![.\w])__import__|\b(?:importlib\s*\.\s*)?import_module|\b(?:importlib|builtins|__builtins__)\s*\.\s*__import__)\s*\(\s*(['"])([\w.]+)\1\s*\)|\bsys\s*\.\s*modules\s*(?:\[\s*(['"])([\w.]+)\3\s*\]|\.\s*get\s*\(\s*(['"])([\w.]+)\5\s*\))/g;
/**
 * A member named by a literal, written `m.x`: `getattr(m, 'x')`, `m.__dict__['x']`, `vars(m).get('x')`,
 * `m.__getattribute__('x')`, `operator.attrgetter('x')(m)`, `methodcaller('x', …)(m)`; a global or builtin by its name
 * (`globals()['x']`, `__builtins__['x']`). Groups: `r` the receiver, `n` the name, `a` methodcaller's arguments.
 */
const PYTHON_LOOKUP = new RegExp(
  [
    String.raw`\bgetattr\s*\(\s*(?<r>[\w.]+)\s*,\s*(?<q>['"])(?<n>\w+)\k<q>\s*(?:,[^()]{0,80})?\)`,
    String.raw`(?:\b(?<r2>[\w.]+?)\s*\.\s*__dict__|\bvars\s*\(\s*(?<r3>[\w.]+)\s*\))\s*(?:\[|\.\s*get\s*\()\s*(?<q2>['"])(?<n2>\w+)\k<q2>\s*[\])]`,
    String.raw`\b(?<r4>[\w.]+?)\s*\.\s*__getattribute__\s*\(\s*(?<q3>['"])(?<n3>\w+)\k<q3>\s*\)`,
    String.raw`\b(?:operator\s*\.\s*)?(?<getter>attrgetter|methodcaller)\s*\(\s*(?<q4>['"])(?<n4>\w+)\k<q4>\s*(?:,(?<a>[^()]*))?\)\s*\(\s*(?<r5>[\w.]+)\s*\)`,
    String.raw`(?:\b(?:globals|locals)\s*\(\s*\)|(?<![.\w])__builtins__)\s*\[\s*(?<q5>['"])(?<n5>\w+)\k<q5>\s*\]`,
  ].join("|"),
  "g",
);

function pythonMember(...match: unknown[]): string {
  const g = match[match.length - 1] as Record<string, string | undefined>;
  const name = g.n ?? g.n2 ?? g.n3 ?? g.n4 ?? g.n5!;
  if (g.n5) return name;
  const receiver = g.r ?? g.r2 ?? g.r3 ?? g.r4 ?? g.r5;
  return g.getter === "methodcaller" ? `${receiver}.${name}(${g.a ?? ""})` : `${receiver}.${name}`;
}
const PYTHON_IMPORT_AS =
  /(?<!\bfrom\s+[\w.]+\s+)\bimport\s+((?:[\w.]+(?:\s+as\s+\w+)?\s*,\s*)*[\w.]+(?:\s+as\s+\w+)?)/g;
const PYTHON_FROM = new RegExp(
  String.raw`\bfrom\s+(${PYTHON_MODULES})\s+import\s+(?:\(([\w\s,]{1,400})\)|([\w \t,*]{1,400}))`,
  "g",
);
/** `s = shutil`, `rm = shutil.rmtree`: a name bound to a module or one of its members, alone on its line. */
const PYTHON_BINDING = new RegExp(
  String.raw`(?<![.\w])(\w+)\s*=(?!=)\s*((?:${PYTHON_MODULES})(?:\s*\.\s*\w+)?)(?=\s*(?:[;\n#]|$))`,
  "g",
);
const PYTHON_BUILTIN_MEMBER = /\b(?:builtins|__builtins__)\s*\.\s*(?=\w)/g;

function canonicalPythonModule(name: string): string {
  const top = name.split(".")[0]!;
  return PYTHON_MODULE_NAMES[top] === undefined
    ? name
    : `${PYTHON_MODULE_NAMES[top]}${name.slice(top.length)}`;
}

function resolvePython(source: string, an: Analysis): string {
  let text = joinLiterals("python", source);
  // `__import__('os.path')` returns os itself; import_module returns the submodule.
  text = text.replace(PYTHON_LOADED, (whole, _q, imported, _q2, moduled, _q3, got) => {
    const name = imported ?? moduled ?? got;
    return canonicalPythonModule(whole.includes("__import__") ? name.split(".")[0]! : name);
  });
  text = text.replace(/\b(posix|nt)\s*\./g, "os.");
  for (let pass = 0; pass < MOST_PASSES; pass++) {
    const before = text;
    text = text.replace(PYTHON_LOOKUP, pythonMember);
    if (text === before) break;
  }
  const aliases = new Map<string, string>();
  const statements: [number, number][] = [];
  for (const m of text.matchAll(PYTHON_IMPORT_AS)) {
    statements.push([m.index, m.index + m[0].length]);
    for (const item of m[1]!.split(",")) {
      const [name = "", alias] = item.trim().split(/\s+as\s+/);
      if (alias) aliases.set(alias, canonicalPythonModule(name));
      else if (/^(?:posix|nt)$/.test(name)) aliases.set(name, "os");
    }
  }
  const starred: string[] = [];
  for (const m of text.matchAll(PYTHON_FROM)) {
    statements.push([m.index, m.index + m[0].length]);
    const module = canonicalPythonModule(m[1]!);
    for (const item of (m[2] ?? m[3] ?? "").split(",")) {
      const [name = "", alias = name] = item.trim().split(/\s+as\s+/);
      if (name === "*") starred.push(module);
      else if (/^\w+$/.test(name) && /^\w+$/.test(alias)) aliases.set(alias, `${module}.${name}`);
    }
  }
  for (const m of text.matchAll(PYTHON_BINDING)) {
    statements.push([m.index, m.index + m[0].length]);
    const [module = "", ...member] = m[2]!.split(".").map((s) => s.trim());
    aliases.set(m[1]!, [canonicalPythonModule(module), ...member].join("."));
  }
  text = replaceAliases(blank(text, statements), aliases, an, "python");
  for (const module of starred) {
    const members = PYTHON_MEMBERS[module];
    if (members)
      text = text.replace(new RegExp(String.raw`(?<![.\w])(?:${members})\s*\(`, "g"), `${module}.$&`);
  }
  return text.replace(PYTHON_BUILTIN_MEMBER, "");
}

/** Node's modules that delete files or run commands, as the rules name them. */
const NODE_MODULE_NAMES: Record<string, string> = {
  fs: "fs",
  "fs/promises": "fs.promises",
  "fs-extra": "fs",
  "graceful-fs": "fs",
  "original-fs": "fs",
  child_process: "child_process",
  rimraf: "rimraf",
};
const NODE_MODULE = `(?:node:)?(?:${Object.keys(NODE_MODULE_NAMES).map(escapeRegex).join("|")})`;
/**
 * `require('fs')`, `module.require(…)`, `createRequire(…)('fs')`, `import('fs')`, `(await import('fs')).default`, and
 * any function called with nothing but the module's name (`const r = require; r('fs')`).
 */
const NODE_LOADED = new RegExp(
  String.raw`\(\s*await\s+import\s*\(\s*(['"\`])(${NODE_MODULE})\1\s*\)\s*\)(?:\s*\.\s*default\b)?|(?:(?:[\w$]+\s*\.\s*)*\brequire|\bimport|\)|(?<![.\w$])[\w$]+)\s*\(\s*(['"\`])(${NODE_MODULE})\3\s*\)`,
  "g",
);
const NODE_CANONICAL = String.raw`(?:fs(?:\.promises)?|child_process|rimraf|Deno)`;
const NODE_DELETERS =
  "rm|rmSync|rmdir|rmdirSync|unlink|unlinkSync|remove|removeSync|emptyDir|emptyDirSync|emptydir";
/** `import fs from 'fs'`, `import * as fs from 'fs'`, `import fs, {rm} from 'fs'`, `import {rm as r} from 'fs'`. */
const NODE_IMPORT = new RegExp(
  String.raw`\bimport\s+(?:([\w$]+)\s*,?\s*)?(?:\*\s*as\s+([\w$]+)|\{([^{}]{0,400})\})?\s*from\s*(['"\`])(${NODE_MODULE})\4`,
  "g",
);
/** `const f = fs`, `let rm = fs.rmSync`, `const {rmSync: r} = fs`, `const {promises: {rm}} = fs`. */
const NODE_BINDING = new RegExp(
  String.raw`(?:\b(?:const|let|var)\s+)?(?:([\w$]+)|\{((?:[^{}]|\{[^{}]{0,200}\}){0,400})\})\s*=(?![=>])\s*(?:await\s+)?(${NODE_CANONICAL}(?:\s*\.\s*[\w$]+)*)(?=\s*(?:[;,\n)]|$))`,
  "g",
);
/** `import('fs').then((m) => …)`, `.then(({rm}) => …)`: the parameter is the module. */
const NODE_THEN = new RegExp(
  String.raw`\b(${NODE_CANONICAL})\s*\.\s*then\s*\(\s*(?:async\s+)?(?:function\s*)?\(?\s*(?:([\w$]+)|\{((?:[^{}]|\{[^{}]{0,200}\}){0,400})\})`,
  "g",
);
/** `m['x']`, `Reflect.get(m, 'x')`: the member `x`. */
const NODE_LOOKUP =
  /(?<=[\w$)\]])\[\s*(['"`])([A-Za-z_$][\w$]*)\1\s*\]|\bReflect\s*\.\s*get\s*\(\s*([\w$.]+)\s*,\s*(['"`])([A-Za-z_$][\w$]*)\4\s*\)/g;

/** The names a destructuring pattern binds (`rmSync: r`, `rm`, `promises: {rm}`), each to `base.member`. */
function destructured(pattern: string, base: string, aliases: Map<string, string>): void {
  const item =
    /([\w$]+)\s*(?:(?::|\s+as\s+)\s*(?:([\w$]+)|\{((?:[^{}]|\{[^{}]*\})*)\}))?\s*(?:=[^,{}]*)?(?:,|$)/gy;
  item.lastIndex = 0;
  const text = pattern.trim();
  for (let m = item.exec(text); m; m = item.exec(text)) {
    const member = `${base}.${m[1]}`;
    if (m[3] !== undefined) destructured(m[3], member, aliases);
    else aliases.set(m[2] ?? m[1]!, member);
    while (/\s/.test(text[item.lastIndex] ?? "")) item.lastIndex++;
    if (item.lastIndex >= text.length) break;
  }
}

function resolveNode(source: string, an: Analysis): string {
  let text = joinLiterals("node", source);
  text = text.replace(NODE_LOADED, (whole, _q, awaited, _q2, loaded) => {
    const name = NODE_MODULE_NAMES[(awaited ?? loaded).replace(/^node:/, "")]!;
    return whole.startsWith(")") ? `) ${name}` : name;
  });
  for (let pass = 0; pass < MOST_PASSES; pass++) {
    const before = text;
    text = text
      .replace(NODE_LOOKUP, (_m, _q, name, receiver, _q2, name2) =>
        receiver ? `${receiver}.${name2}` : `.${name}`,
      )
      // A global is the same function whichever name the global object goes by: `globalThis.eval` is eval.
      .replace(/(?<![.\w$])(?:globalThis|global|window|self)\s*\.\s*(?=[A-Za-z_$])/g, "");
    if (text === before) break;
  }
  const aliases = new Map<string, string>();
  const statements: [number, number][] = [];
  for (const m of text.matchAll(NODE_IMPORT)) {
    statements.push([m.index, m.index + m[0].length]);
    const module = NODE_MODULE_NAMES[m[5]!.replace(/^node:/, "")]!;
    if (m[1]) aliases.set(m[1], module);
    if (m[2]) aliases.set(m[2], module);
    if (m[3] !== undefined) destructured(m[3], module, aliases);
  }
  for (const m of text.matchAll(NODE_BINDING)) {
    statements.push([m.index, m.index + m[0].length]);
    const value = m[3]!.replace(/\s+/g, "");
    if (m[1]) aliases.set(m[1], value);
    else destructured(m[2]!, value, aliases);
  }
  for (const m of text.matchAll(NODE_THEN)) {
    statements.push([m.index, m.index + m[0].length]);
    if (m[2]) aliases.set(m[2], m[1]!);
    else destructured(m[3]!, m[1]!, aliases);
  }
  return replaceAliases(blank(text, statements), aliases, an, "node");
}

/** Ruby's modules and classes whose methods delete files or run commands. */
const RUBY_RECEIVERS = "FileUtils|File|Dir|Pathname|Kernel|Process|IO|Open3";
const RUBY_FILEUTILS =
  "rm_rf|rm_r|rm_f|rm|rmtree|rmdir|remove_dir|remove_entry_secure|remove_entry|remove_file|remove|safe_unlink";
/** `x.send(:m, …)`, `x.public_send('m' …)`, `x.__send__ :m, …`, `send(:system, …)`: the method `m`. */
const RUBY_SEND =
  /(\.\s*|(?<![.\w:]))(?:send|public_send|__send__)\s*(\(?)\s*(?::(\w+[?!]?)|:?(['"])(\w+[?!]?)\4)\s*(,|\)|(?=[;\n}]|$))/g;
/** `x.method(:m).call(…)`, `.method(:m).(…)`, `.method(:m)[…]`, or the method `x.m` as a value. */
const RUBY_METHOD =
  /(\.\s*|(?<![.\w:]))(?:method|public_method|singleton_method|instance_method)\s*\(\s*(?::(\w+[?!]?)|:?(['"])(\w+[?!]?)\3)\s*\)(\s*(?:\.\s*(?:call|yield|\(\s*)|\[)\s*\(?)?/g;
/** `Object.const_get(:FileUtils)`, `Kernel.const_get('FileUtils')`, `::FileUtils`: the constant. */
const RUBY_CONSTANT =
  /\b(?:Object|Kernel|Module)\s*\.\s*const_get\s*\(?\s*(?::([A-Z]\w*)|(['"])([A-Z]\w*)\2)\s*\)?|(?<![\w:])::(?=[A-Z])/g;
/** `FU = FileUtils`, `fu = FileUtils`: a name for the module. */
const RUBY_BINDING = new RegExp(
  String.raw`(?<![.\w])(\w+)\s*=(?![=~>])\s*(${RUBY_RECEIVERS})(?=\s*(?:[;\n#]|$))`,
  "g",
);
const RUBY_INCLUDE = /(?<![.\w])(?:include|extend)\s+FileUtils\b(?:::\w+)?/;

function resolveRuby(source: string, an: Analysis): string {
  let text = joinLiterals("ruby", source);
  // `FileUtils::rm_rf(…)` calls the method as `FileUtils.rm_rf(…)` does.
  text = text
    .replace(RUBY_CONSTANT, (whole, symbol, _q, name) => (whole.startsWith("::") ? "" : (symbol ?? name)))
    .replace(/(?<=\b[A-Z]\w*)\s*::\s*(?=[a-z_]\w*)/g, ".");
  text = text
    // Without a receiver the method is the program's own: `send(:system, …)` is `system(…)`.
    .replace(RUBY_SEND, (_m, dot, paren, symbol, _q, string, next) => {
      const call = `${dot ? "." : ""}${symbol ?? string}`;
      if (next === ",") return `${call}${paren ? "(" : " "}`;
      return next === ")" && paren ? `${call}()` : call;
    })
    .replace(RUBY_METHOD, (_m, dot, symbol, _q, string, called) => {
      const name = `${dot ? "." : ""}${symbol ?? string}`;
      return called ? `${name}(` : name;
    });
  const aliases = new Map<string, string>();
  const statements: [number, number][] = [];
  for (const m of text.matchAll(RUBY_BINDING)) {
    statements.push([m.index, m.index + m[0].length]);
    aliases.set(m[1]!, m[2]!);
  }
  text = replaceAliases(blank(text, statements), aliases, an, "ruby");
  if (RUBY_INCLUDE.test(text))
    text = text.replace(
      new RegExp(String.raw`(?<![.\w:])(?:${RUBY_FILEUTILS})\b(?![?!=])`, "g"),
      "FileUtils.$&",
    );
  return text;
}

/** PHP's functions that delete, overwrite or run commands: a string naming one is a callable that does. */
const PHP_FUNCTIONS =
  "unlink|rmdir|file_put_contents|exec|shell_exec|system|passthru|proc_open|popen|pcntl_exec";
/** `call_user_func('f', a)` → `f(a)`, `call_user_func_array('f', [a])` → `f(a)`, `'f'(a)` → `f(a)`. */
const PHP_CALL_BY_NAME =
  /\b(?:call_user_func|forward_static_call)\s*\(\s*(['"])\\?(\w+)\1\s*(?:,\s*|(?=\)))|\b(?:call_user_func_array|forward_static_call_array)\s*\(\s*(['"])\\?(\w+)\3\s*,\s*(?:array\s*\(|\[)([^()[\]]{0,400})(?:\)|\])\s*\)|(['"])\\?(\w+)\6\s*(?=\()/g;
/** `$f = 'unlink';`: a variable holding a function's name. */
const PHP_NAME_BINDING = /(\$\w+)\s*=(?![=>])\s*(['"])\\?(\w+)\2\s*;/g;
const PHP_CALLBACK = new RegExp(String.raw`(['"])\\?(${PHP_FUNCTIONS})\1`, "gi");

function resolvePhp(source: string, an: Analysis): string {
  let text = joinLiterals("php", source);
  text = text.replace(PHP_CALL_BY_NAME, (_m, _q, name, _q2, arrayName, args, _q3, direct) =>
    arrayName ? `${arrayName}(${args})` : (direct ?? `${name}(`),
  );
  // A variable set once, to a literal name, calls that function; one set elsewhere too may call any.
  const values = new Map<string, string | null>();
  for (const m of text.matchAll(PHP_NAME_BINDING))
    values.set(m[1]!, values.has(m[1]!) && values.get(m[1]!) !== m[3] ? null : m[3]!);
  for (const [variable, name] of values) {
    const assigned = text.match(
      new RegExp(String.raw`${escapeRegex(variable)}(?!\w)\s*(?:[-+.*/%|&^?]|\?\?|<<|>>)?=(?![=>])`, "g"),
    );
    if (!name || assigned?.length !== 1) continue;
    // Called, it is that function; passed on, it is that function's name.
    text = text.replace(
      new RegExp(String.raw`${escapeRegex(variable)}(?!\w)(?!\s*=(?![=>]))(\s*\()?`, "g"),
      (_m, called) => (called ? `${name}(` : `'${name}'`),
    );
  }
  // Any other string naming such a function is a callback handed to something that calls it (`array_map('unlink',
  // …)`, `Closure::fromCallable('system')`, `new ReflectionFunction('unlink')`).
  for (const m of text.matchAll(PHP_CALLBACK)) {
    const before = text.slice(Math.max(0, m.index - 40), m.index);
    if (/\b(?:function_exists|is_callable)\s*\(\s*$/.test(before)) continue;
    if (/[(,]\s*$/.test(before)) {
      an.uncertain(
        `inline php code hands ${m[2]} on by name, to be called with arguments only known at run time`,
        true,
      );
      break;
    }
  }
  return text;
}

/** `_G.os`, `_ENV['io']`, `require('os')`, `rawget(os, 'remove')`, `os['remove']`: the module's member. */
const LUA_LOOKUP =
  /(?<=[\w\])])\[\s*(['"])([A-Za-z_]\w*)\1\s*\]|\brawget\s*\(\s*([\w.]+)\s*,\s*(['"])([A-Za-z_]\w*)\4\s*\)/g;
const LUA_BINDING = /\blocal\s+(\w+)\s*=\s*(os|io)(?=\s*(?:[;\n]|$))/g;

function resolveLua(source: string, an: Analysis): string {
  let text = joinLiterals("lua", source);
  text = text.replace(/\brequire\s*\(?\s*(['"])(os|io)\1\s*\)?/g, "$2");
  for (let pass = 0; pass < MOST_PASSES; pass++) {
    const before = text;
    text = text
      .replace(LUA_LOOKUP, (_m, _q, name, receiver, _q2, name2) =>
        receiver ? `${receiver}.${name2}` : `.${name}`,
      )
      .replace(/\b(?:_G|_ENV|package\s*\.\s*loaded)\s*\.\s*(?=\w)/g, "");
    if (text === before) break;
  }
  const aliases = new Map<string, string>();
  const statements: [number, number][] = [];
  for (const m of text.matchAll(LUA_BINDING)) {
    statements.push([m.index, m.index + m[0].length]);
    aliases.set(m[1]!, m[2]!);
  }
  return replaceAliases(blank(text, statements), aliases, an, "lua");
}

/**
 * A member of a module that deletes or runs commands, looked up by a name the code computes: any of its functions
 * may be the one called. A literal name has been resolved by then, so what is left here is computed. So are a
 * module's functions spread among the code's own names (`with (fs)`, `Object.assign(globalThis, fs)`,
 * `globals().update(vars(os))`), and a method called by a name in a variable (`$obj->$m()`).
 */
const COMPUTED_MEMBER: Partial<Record<CodeLanguage, RegExp>> = {
  python: new RegExp(
    String.raw`\bgetattr\s*\(\s*(?:${PYTHON_MODULES})\s*,|\b(?:${PYTHON_MODULES})\s*\.\s*(?:__dict__\s*(?:\[|\.\s*get\s*\()|__getattribute__\s*\()|\bvars\s*\(\s*(?:${PYTHON_MODULES})\s*\)\s*(?:\[|\.\s*get\s*\()|\bsys\s*\.\s*modules\s*(?:\[|\.\s*get\s*\()|\b(?:attrgetter|methodcaller)\s*\(\s*(?!['"]\w+['"])|\b(?:globals\s*\(\s*\)|locals\s*\(\s*\)|vars\s*\(\s*\)|__builtins__|__dict__)\s*\.\s*update\s*\(|(?<![.\w])__builtins__\s*\[`,
  ),
  node: new RegExp(
    String.raw`\b${NODE_CANONICAL}\s*\[|\bReflect\s*\.\s*(?:get|apply)\s*\(\s*${NODE_CANONICAL}\s*,|\bObject\s*\.\s*(?:values|entries)\s*\(\s*${NODE_CANONICAL}\s*\)|\bwith\s*\(\s*${NODE_CANONICAL}\s*\)|\bObject\s*\.\s*assign\s*\(\s*(?:globalThis|global|this|window)\s*,\s*${NODE_CANONICAL}\b`,
  ),
  // Ruby's send reaches private methods too (Kernel's system, exec, `), so a computed one may run anything.
  ruby: /(?:\.\s*|(?<![.\w:]))(?:send|__send__|public_send|method|public_method|instance_method|singleton_method|const_get)(?:\s*\(\s*|[ \t]+)(?=[A-Za-z_@$*]|"[^"\n]*#\{)/,
  // A sub called by a name in a string (`&{"CORE::$f"}`, `&$name`), a method by a variable, `->can($name)`.
  perl: /(?<![&\w$)\]}]\s*)&\s*(?:\{(?!\s*['"][\w:]+['"]\s*\})|\$\w+\s*\()|->\s*\$\w+\s*\(|->\s*can\s*\(\s*(?!['"][\w:]+['"]\s*\))/,
  php: /->\s*(?:\$\w+|\{[^}]{0,120}\})\s*\(|::\s*\$\w+\s*\(/,
  lua: /\b(?:os|io|_G|_ENV|package\s*\.\s*loaded)\s*\[|\brawget\s*\(\s*(?:os|io|_G|_ENV)\s*,|\bgetfenv\s*\(/,
};

/** Functions that delete or run commands, taken as a value (passed on, stored, bound) rather than called by name. */
const TAKEN_AS_VALUE: Partial<Record<CodeLanguage, RegExp>> = {
  python: new RegExp(
    String.raw`\b(?:${Object.entries({
      ...PYTHON_FUNCTIONS,
      ...PYTHON_DELETERS,
      os: `${PYTHON_DELETERS.os}|${PYTHON_FUNCTIONS.os}`,
    })
      .map(([module, members]) => `${module}\\s*\\.\\s*(?:${members})`)
      .join("|")})\b(?!\s*[(.\w])`,
    "g",
  ),
  node: new RegExp(
    String.raw`\b(?:fs(?:\s*\.\s*promises)?\s*\.\s*(?:${NODE_DELETERS})|child_process\s*\.\s*(?:${NODE_FUNCTIONS})|Deno\s*\.\s*(?:remove|removeSync))\b(?!\s*\()`,
    "g",
  ),
  ruby: new RegExp(
    String.raw`\bFileUtils\s*\.\s*(?:${RUBY_FILEUTILS})\b(?![?!(\s'"])(?=\s*(?:[,)\];}]|$))`,
    "g",
  ),
};

/** Rewrites the names the code gives its functions to the qualified names the rules know, asking where it cannot. */
export function resolveNames(language: CodeLanguage, source: string, an: Analysis): string {
  let text: string;
  if (language === "python") text = resolvePython(source, an);
  else if (language === "node") text = resolveNode(source, an);
  else if (language === "ruby") text = resolveRuby(source, an);
  else if (language === "php") text = resolvePhp(source, an);
  else if (language === "lua") text = resolveLua(source, an);
  else if (language === "perl") text = joinLiterals("perl", source);
  else return source;
  if (COMPUTED_MEMBER[language]?.test(text))
    an.uncertain(
      `inline ${language} code calls a function by a name only known at run time, which may be one that deletes files or runs commands`,
      true,
    );
  const value = TAKEN_AS_VALUE[language];
  if (value) {
    value.lastIndex = 0;
    const taken = value.exec(text);
    if (taken)
      an.uncertain(
        `inline ${language} code takes ${taken[0].replace(/\s+/g, "")} as a value, to be called with arguments only known at run time`,
        true,
      );
  }
  return text;
}
