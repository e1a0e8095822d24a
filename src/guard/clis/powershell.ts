// PowerShell scripts (`pwsh -Command …`, `-EncodedCommand`, a script on stdin or a .ps1 the line wrote): each
// statement's cmdlet, by its name, an alias (`ri`, `del`, `rd`, `clc`, `sc`, `cpi`…) or a module-qualified name, is
// judged as the shell command that does the same (Remove-Item as rm, Set-Content as >, Copy-Item as cp), the web
// cmdlets as the requests they send, and Invoke-Expression's text as PowerShell. The rest of a script is left to the
// words an unknown program is judged by.
import type { Analysis } from "../analysis.ts";
import type { Invocation } from "../command.ts";
import { isBackupPath } from "../safety-net-paths.ts";
import { holdsUnknownText } from "../shell-arithmetic.ts";
import { destructiveArgumentWord, destructiveWord } from "../vocabulary.ts";
import { literal, type Word } from "../word.ts";
import { judgeProjectFile, judgeScriptFile, scriptFromStdin } from "../written-scripts.ts";
import { analyzeWriteTarget, judgeDeletion } from "./files.ts";

/** Words, quoted strings, hash literals and `${name}`, and the separators between statements and blocks. */
const TOKEN = /'(?:[^']|'')*'|"(?:[^"`]|`.)*"|@\{[^}]*\}|\$\{[^}]*\}|&&|\|\||[;|\n{}]|[^\s;|{}]+/g;
const SEPARATOR = /^(?:[;|\n{}]|&&|\|\|)$/;
const OPENING = /^[$@]?\(+/;

const unquote = (token: string) =>
  /^'.*'$/s.test(token)
    ? token.slice(1, -1).replace(/''/g, "'")
    : /^".*"$/s.test(token)
      ? token.slice(1, -1).replace(/`(.)/g, "$1")
      : token;

/** A parameter name as PowerShell reads it: any unambiguous prefix, here at least `min` characters after the dash. */
const parameterNamed = (token: string, parameter: string, min: number) => {
  const name = token.toLowerCase().replace(/:.*$/, "");
  return name.length > min && `-${parameter}`.startsWith(name);
};

/** An argument as a word: text in single quotes is literal; a variable, or one inside double quotes, is not. */
function argumentWord(token: string): Word {
  const text = unquote(token).replace(/^\(+|\)+$/g, "");
  const dynamic = !token.startsWith("'") && (/\$[\w{(:]/.test(token) || token.startsWith("("));
  return { text, dynamic, glob: false };
}

/** `a,b`, `'a', 'b'`: the elements of an array argument. */
function elements(token: string): string[] {
  return token.match(/'(?:[^']|'')*'|"(?:[^"`]|`.)*"|[^,]+/g)?.map((t) => t.trim()) ?? [];
}

interface CmdletSpec {
  /** Parameters that take a value, full names; the first that a prefix names wins. */
  values: readonly string[];
  switches: readonly string[];
  /** Parameters bound by position. */
  positional: readonly string[];
}

/** Aliases of parameters, as the cmdlets declare them. */
const PARAMETER_ALIASES: Record<string, string> = {
  lp: "literalpath",
  pspath: "literalpath",
  fullname: "path",
  args: "argumentlist",
};
const COMMON_SWITCHES = ["whatif", "confirm", "verbose", "debug", "passthru", "force", "recurse"];
const COMMON_VALUES = ["erroraction", "warningaction", "errorvariable", "outvariable", "credential"];

/** The cmdlet's arguments by parameter: named (`-Path x`, `-Path:x`, any prefix) or by position. */
function bind(tokens: readonly string[], spec: CmdletSpec): Map<string, Word[]> {
  const bound = new Map<string, Word[]>();
  const values = [...spec.values, ...COMMON_VALUES];
  const switches = [...spec.switches, ...COMMON_SWITCHES];
  let position = 0;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const parameter = /^-([A-Za-z][\w-]*)(?::(.+))?$/s.exec(token);
    if (parameter) {
      const given = parameter[1]!.toLowerCase();
      // A prefix that names two parameters is an error in PowerShell; read it as taking no value, so that what
      // follows still counts as an argument.
      const named = [...values, ...switches].filter((p) => p.startsWith(given));
      const name =
        PARAMETER_ALIASES[given] ??
        (named.includes(given) ? given : named.length === 1 ? named[0] : undefined);
      if (!name || switches.includes(name)) {
        if (name && !/^\$false$/i.test(parameter[2] ?? "")) bound.set(name, []);
        continue;
      }
      const value = parameter[2] ?? tokens[++i];
      if (value !== undefined) bound.set(name, elements(value).map(argumentWord));
      continue;
    }
    const name = spec.positional[position++];
    if (name && !bound.has(name)) bound.set(name, elements(token).map(argumentWord));
  }
  return bound;
}

const PATHS = ["path", "literalpath"];
const ITEM = {
  values: ["path", "literalpath", "filter", "include", "exclude", "stream"],
  switches: [],
  positional: ["path"],
};
/** Drives that hold only the session's state: removing from them changes nothing stored. */
const SESSION_DRIVE = /^(?:env|variable|function|alias):/i;

const paths = (bound: Map<string, Word[]>, ...names: string[]) =>
  names.flatMap((name) => bound.get(name) ?? []);

type CmdletJudge = (bound: Map<string, Word[]>, statement: Statement, context: ScriptContext) => void;

interface Statement {
  cmdlet: string;
  tokens: readonly string[];
  /** A later stage of a pipeline: its input is what the stage before writes. */
  piped: boolean;
  /** That input, when the stage before writes literal text. */
  input: string | null;
}

/** The pipeline stage before a statement, whose output is the statement's input. */
interface Stage {
  tokens: readonly string[];
}

interface ScriptContext {
  inv: Invocation;
  an: Analysis;
}

const PIPED_ITEMS: Word = { text: "$input", dynamic: true, glob: false };

const removeItem: CmdletJudge = (bound, statement, { an }) => {
  const targets = paths(bound, ...PATHS);
  if (targets.length === 0 && statement.piped) targets.push(PIPED_ITEMS);
  const stored = targets.filter((t) => t.dynamic || !SESSION_DRIVE.test(t.text));
  if (targets.length && stored.length === 0) {
    an.harmless(`${statement.cmdlet} only removes the session's variables, functions or aliases`);
    return;
  }
  judgeDeletion(statement.cmdlet, stored, an);
};

/** Set-Content, Out-File: the file is replaced unless appended to. */
const writesFile =
  (append: boolean): CmdletJudge =>
  (bound, statement, { an }) => {
    const appends = append || bound.has("append");
    for (const target of paths(bound, ...PATHS, "filepath"))
      if (!target.dynamic) analyzeWriteTarget(target, appends, an, statement.cmdlet);
  };

const clearContent: CmdletJudge = (bound, statement, { an }) => {
  const targets = paths(bound, ...PATHS);
  if (targets.length === 0 && statement.piped) targets.push(PIPED_ITEMS);
  if (targets.length === 0) return;
  const shown = targets.map((t) => t.text).join(" ");
  if (isBackupPath(shown))
    an.destroysSafetyNet(`${statement.cmdlet} empties backups or logs (${shown})`, "backup:delete");
  else an.destroys(`${statement.cmdlet} empties ${shown}`, "file:truncate");
};

const clearsValues: CmdletJudge = (bound, statement, { an }) => {
  const targets = paths(bound, ...PATHS).map((t) => t.text);
  an.uncertain(
    `${statement.cmdlet} clears or deletes stored values${targets.length ? ` of ${targets.join(" ")}` : ""}`,
    true,
  );
};

/** Copy-Item and Move-Item as cp and mv, which replace what is at the destination. */
const copiesAs =
  (program: "cp" | "mv"): CmdletJudge =>
  (bound, _statement, { inv }) => {
    const sources = paths(bound, ...PATHS);
    const destination = bound.get("destination") ?? [];
    if (sources.length === 0 || destination.length === 0) return;
    inv.run([literal(program), ...(bound.has("force") ? [literal("-f")] : []), ...sources, ...destination]);
  };

const renameItem: CmdletJudge = (bound, _statement, { inv }) => {
  const [source] = paths(bound, ...PATHS);
  const [name] = bound.get("newname") ?? [];
  if (!source || !name) return;
  const directory = source.text.slice(
    0,
    Math.max(source.text.lastIndexOf("/"), source.text.lastIndexOf("\\")) + 1,
  );
  inv.run([literal("mv"), source, { ...name, text: directory + name.text }]);
};

const invokeExpression: CmdletJudge = (_bound, statement, context) => {
  const [argument] = statement.tokens.filter((t) => !/^-c(?:o(?:m(?:m(?:a(?:n(?:d)?)?)?)?)?)?$/i.test(t));
  // `'…' | iex` runs what the pipeline hands it.
  if (argument === undefined && statement.input !== null) {
    const input = statement.input;
    context.an.nest(() => judgeScript(input, context));
    return;
  }
  const word = argument === undefined ? undefined : argumentWord(argument);
  if (word && !word.dynamic && /^['"]/.test(argument!)) {
    context.an.nest(() => judgeScript(word.text, context));
    return;
  }
  context.an.uncertain(
    `${statement.cmdlet} runs PowerShell text only known at run time${argument ? ` (${argument})` : ""}`,
    true,
  );
};

const startProcess: CmdletJudge = (bound, _statement, { inv }) => {
  const [program] = bound.get("filepath") ?? [];
  if (!program) return;
  // ArgumentList is joined into one command line.
  const args = (bound.get("argumentlist") ?? []).flatMap((w) =>
    w.text
      .split(/\s+/)
      .filter(Boolean)
      .map((text) => ({ ...w, text })),
  );
  inv.run([program, ...args]);
};

/** `-Mode Complete` deletes every resource in the group that the template does not declare, as `az … --mode Complete`. */
const completeModeDeployment: CmdletJudge = (bound, statement, { an }) => {
  const [mode] = bound.get("mode") ?? [];
  if (mode?.dynamic)
    an.uncertain(
      `${statement.cmdlet} -Mode ${mode.text}: Complete mode would delete undeclared resources`,
      true,
    );
  else if (mode && /^complete$/i.test(mode.text))
    an.destroys(
      `${statement.cmdlet} -Mode ${mode.text} deletes the resources its template does not declare`,
      "resource:delete",
    );
};

const destroysDisk: CmdletJudge = (_bound, statement, { an }) =>
  an.destroys(`${statement.cmdlet} erases a disk, partition or volume`, "disk:format");

/** A switch or a `-Name value` pair set to true: `-DisableRealtimeMonitoring $true`, `-Disable…:1`, a bare switch. */
const setTrue = (tokens: readonly string[], i: number) => {
  const inline = /^-[\w-]+:(.+)$/.exec(tokens[i]!)?.[1];
  const value = inline ?? tokens[i + 1];
  return value === undefined || value.startsWith("-")
    ? inline === undefined
    : /^(?:\$true|1|'?true'?)$/i.test(value);
};
const setFalse = (value: string | undefined) => /^(?:\$false|0|'?false'?)$/i.test(value ?? "");

/** Microsoft Defender's settings: a `-Disable…` switched on, or paths, processes or extensions it stops scanning. */
const defenderPreference: CmdletJudge = (_bound, statement, { an }) => {
  const tokens = statement.tokens;
  for (let i = 0; i < tokens.length; i++) {
    const name = /^-([\w-]+)/.exec(tokens[i]!)?.[1]?.toLowerCase() ?? "";
    if (name.startsWith("disable") && setTrue(tokens, i)) {
      an.destroys(
        `${statement.cmdlet} -${tokens[i]!.slice(1).replace(/:.*$/, "")} switches antivirus protection off`,
        "antivirus:disable",
      );
      return;
    }
    if (/^exclusion(?:path|process|extension|ipaddress)$/.test(name)) {
      an.destroys(
        `${statement.cmdlet} -${name} exempts what it names from antivirus scanning`,
        "antivirus:disable",
      );
      return;
    }
  }
};

/** Set-NetFirewallProfile -Enabled False, or a default inbound action that allows what no rule blocks. */
const firewallProfile: CmdletJudge = (_bound, statement, { an }) => {
  const tokens = statement.tokens;
  const parameterValue = (parameter: string) => {
    const i = tokens.findIndex((t) => parameterNamed(t, parameter, 2));
    return i < 0 ? undefined : (/^-\w+:(.+)$/.exec(tokens[i]!)?.[1] ?? tokens[i + 1]);
  };
  if (setFalse(parameterValue("enabled")))
    an.destroys(`${statement.cmdlet} -Enabled False turns the firewall off`, "firewall:disable");
  else if (/^'?allow'?$/i.test(parameterValue("defaultinboundaction") ?? ""))
    an.destroys(`${statement.cmdlet} lets in what no rule blocks`, "firewall:disable");
};

const CMDLET_RULES: Record<string, [CmdletSpec, CmdletJudge]> = {
  "Set-MpPreference": [{ values: [], switches: [], positional: [] }, defenderPreference],
  "Add-MpPreference": [{ values: [], switches: [], positional: [] }, defenderPreference],
  "Set-NetFirewallProfile": [{ values: [], switches: [], positional: [] }, firewallProfile],
  "Disable-ComputerRestore": [
    { values: ["drive"], switches: [], positional: ["drive"] },
    (_b, s, { an }) => an.destroysSafetyNet(`${s.cmdlet} switches System Restore off`, "backup:disable"),
  ],
  "Unregister-ScheduledTask": [
    { values: ["taskname", "taskpath"], switches: [], positional: ["taskname"] },
    (_b, s, { an }) => an.destroys(`${s.cmdlet} removes a scheduled task`, "cron:delete"),
  ],
  "Remove-Item": [ITEM, removeItem],
  "Clear-Content": [ITEM, clearContent],
  "Clear-Item": [ITEM, clearsValues],
  "Clear-ItemProperty": [{ ...ITEM, values: [...ITEM.values, "name"] }, clearsValues],
  "Remove-ItemProperty": [
    { ...ITEM, values: [...ITEM.values, "name"], positional: ["path", "name"] },
    clearsValues,
  ],
  "Set-Content": [
    { values: [...ITEM.values, "value", "encoding"], switches: ["nonewline"], positional: ["path", "value"] },
    writesFile(false),
  ],
  "Add-Content": [
    { values: [...ITEM.values, "value", "encoding"], switches: ["nonewline"], positional: ["path", "value"] },
    writesFile(true),
  ],
  "Out-File": [
    {
      values: ["filepath", "literalpath", "path", "encoding", "width", "inputobject"],
      switches: ["append", "noclobber", "nonewline"],
      positional: ["filepath", "encoding"],
    },
    writesFile(false),
  ],
  "Copy-Item": [
    {
      values: [...ITEM.values, "destination", "tosession", "fromsession"],
      switches: ["container"],
      positional: ["path", "destination"],
    },
    copiesAs("cp"),
  ],
  "Move-Item": [
    { values: [...ITEM.values, "destination"], switches: [], positional: ["path", "destination"] },
    copiesAs("mv"),
  ],
  "Rename-Item": [
    { values: ["path", "literalpath", "newname"], switches: [], positional: ["path", "newname"] },
    renameItem,
  ],
  "Invoke-Expression": [{ values: ["command"], switches: [], positional: ["command"] }, invokeExpression],
  "Start-Process": [
    {
      values: [
        "filepath",
        "argumentlist",
        "workingdirectory",
        "verb",
        "windowstyle",
        "redirectstandardinput",
        "redirectstandardoutput",
        "redirectstandarderror",
      ],
      switches: ["wait", "nonewwindow", "usenewenvironment", "loaduserprofile"],
      positional: ["filepath", "argumentlist"],
    },
    startProcess,
  ],
  "Clear-RecycleBin": [
    { values: ["driveletter"], switches: [], positional: ["driveletter"] },
    (_b, s, { an }) => an.destroys(`${s.cmdlet} deletes what the recycle bin holds for good`, "file:delete"),
  ],
  "Clear-EventLog": [
    { values: ["logname", "computername"], switches: [], positional: ["logname"] },
    (_b, s, { an }) => an.destroysSafetyNet(`${s.cmdlet} deletes event logs`, "audit-log:delete"),
  ],
  "Remove-EventLog": [
    { values: ["logname", "computername", "source"], switches: [], positional: ["logname"] },
    (_b, s, { an }) => an.destroysSafetyNet(`${s.cmdlet} deletes event logs`, "audit-log:delete"),
  ],
  "New-AzResourceGroupDeployment": [
    {
      values: ["mode", "resourcegroupname", "templatefile", "templateuri", "templateparameterfile", "name"],
      switches: [],
      positional: [],
    },
    completeModeDeployment,
  ],
  "Format-Volume": [{ values: ["driveletter", "path"], switches: [], positional: [] }, destroysDisk],
  "Clear-Disk": [{ values: ["number"], switches: ["removedata", "removeoem"], positional: [] }, destroysDisk],
  "Initialize-Disk": [{ values: ["number"], switches: [], positional: [] }, destroysDisk],
  "Remove-Partition": [
    { values: ["disknumber", "partitionnumber"], switches: [], positional: [] },
    destroysDisk,
  ],
};
const CMDLETS = new Map(
  Object.entries(CMDLET_RULES).map(([name, [spec, judge]]) => [name.toLowerCase(), { name, spec, judge }]),
);

/** The aliases PowerShell defines for those cmdlets (on Windows `rm`, `cp` and `mv` too; elsewhere the programs). */
const ALIASES: Record<string, string> = {
  ri: "remove-item",
  rm: "remove-item",
  rmdir: "remove-item",
  del: "remove-item",
  erase: "remove-item",
  rd: "remove-item",
  rp: "remove-itemproperty",
  clc: "clear-content",
  cli: "clear-item",
  clp: "clear-itemproperty",
  sc: "set-content",
  ac: "add-content",
  cpi: "copy-item",
  cp: "copy-item",
  copy: "copy-item",
  mi: "move-item",
  mv: "move-item",
  move: "move-item",
  rni: "rename-item",
  ren: "rename-item",
  iex: "invoke-expression",
  saps: "start-process",
  start: "start-process",
};

const WEB_CMDLET = /^(?:invoke-restmethod|invoke-webrequest|irm|iwr|curl|wget)$/i;
const OVERRIDE_ENTRY = /['"]?(x-(?:http-)?method(?:-override)?)['"]?\s*=\s*['"]?(\w+)/gi;

/** `(irm https://…/users).name`: what follows a closing parenthesis is not the URL's. */
const bareUrl = (text: string) => text.replace(/\).*$/s, "");

/** One web cmdlet call's tokens → the request it makes; a method held in a variable may be any. */
function webRequest(tokens: readonly string[], an: Analysis): void {
  let method = "GET";
  let url = "";
  let body = "";
  const headers: string[] = [];
  for (let i = 1; i < tokens.length; i++) {
    const token = tokens[i]!;
    const inlineValue = /^-\w+:(.+)$/.exec(token)?.[1];
    const value = () => unquote(inlineValue ?? tokens[++i] ?? "");
    if (parameterNamed(token, "method", 2) || parameterNamed(token, "custommethod", 2))
      method = value().toUpperCase();
    else if (parameterNamed(token, "uri", 1)) url = bareUrl(value());
    else if (parameterNamed(token, "body", 1)) body = value();
    else if (parameterNamed(token, "headers", 1)) {
      const hash = value();
      for (const m of hash.matchAll(OVERRIDE_ENTRY)) headers.push(`${m[1]}: ${m[2]}`);
    } else if (!token.startsWith("-") && !url) url = bareUrl(unquote(token));
  }
  if (method.startsWith("$")) {
    an.uncertain(`${tokens[0]} sends a request whose method is only known at run time (${method})`, true);
    return;
  }
  if (body && method === "GET" && !tokens.some((t) => parameterNamed(t, "method", 2))) method = "POST";
  an.nested.http({ method, url, body, headers });
}

/** A statement's command name as the tables know it: no module qualifier, no parentheses, lower case. */
const commandName = (token: string) =>
  unquote(token.replace(OPENING, ""))
    .toLowerCase()
    .replace(/^[\w.]+\\(?=[a-z]+-[a-z])/, "");

function judgeStatement(tokens: string[], before: Stage | null, context: ScriptContext): void {
  const piped = before !== null;
  // `$r = irm …`, `(Invoke-RestMethod …).id`: a web cmdlet need not be the statement's first word.
  const web = tokens.findIndex((t) => WEB_CMDLET.test(t.replace(OPENING, "")));
  if (web >= 0) {
    webRequest(tokens.slice(web), context.an);
    return;
  }
  let words = tokens;
  // An assignment's value, a cast (`[void](…)`), and the call operators `&` and `.` before the command.
  if (words.length > 2 && /^\$[\w:]+$/.test(words[0]!) && /^[-+*/]?=$/.test(words[1]!))
    words = words.slice(2);
  if (words[0] && /^\[[\w.]+\](?!\s*::)/.test(words[0]))
    words = [words[0].replace(/^\[[\w.]+\]/, ""), ...words.slice(1)];
  if (words[0] === "&" || words[0] === ".") {
    words = words.slice(1);
    const program = words[0];
    if (program && argumentWord(program).dynamic) {
      context.an.uncertain(`PowerShell runs a command only known at run time (${program})`, true);
      return;
    }
  }
  redirections(words, context.an);
  if (!words[0]) return;
  const name = commandName(words[0]);
  const cmdlet = ALIASES[name] ?? name;
  const rule = CMDLETS.get(cmdlet);
  if (!rule) {
    if (KEYWORD.test(words[0]) || CMDLET_NAME.test(words[0]) || !NATIVE_NAME.test(words[0]))
      unjudgedWords(words, context.an);
    else runNative(words, before, context);
    return;
  }
  const statement: Statement = {
    cmdlet: rule.name,
    tokens: words.slice(1),
    piped,
    input: before && literalOutput(before),
  };
  const bound = bind(statement.tokens, rule.spec);
  if (bound.has("whatif")) {
    context.an.harmless(`${statement.cmdlet} -WhatIf only reports what it would do`);
    return;
  }
  rule.judge(bound, statement, context);
  // Off Windows, rm, rmdir, cp and mv are the programs rather than aliases.
  if (UNIX_PROGRAMS.has(name)) runNative(words, before, context);
}

const UNIX_PROGRAMS = new Set(["rm", "rmdir", "cp", "mv"]);
/** PowerShell's keywords, whose blocks are read as statements of their own. */
const KEYWORD =
  /^(?:if|elseif|else|foreach|for|while|do|until|switch|try|catch|finally|function|filter|workflow|param|begin|process|end|return|throw|trap|break|continue|exit|class|enum|using|data|dynamicparam)$/i;
/** A cmdlet's name: an approved verb, a dash and a noun. */
const CMDLET_NAME =
  /^(?:[\w.]+\\)?(?:add|clear|close|copy|enter|exit|find|format|get|hide|join|lock|move|new|open|optimize|pop|push|redo|remove|rename|reset|resize|search|select|set|show|skip|split|step|switch|undo|unlock|watch|connect|disconnect|read|receive|send|write|backup|checkpoint|compare|compress|convert|convertfrom|convertto|dismount|edit|expand|export|group|import|initialize|limit|merge|mount|out|publish|restore|save|sync|unpublish|update|debug|measure|ping|repair|resolve|test|trace|approve|assert|build|complete|confirm|deny|deploy|disable|enable|install|invoke|register|request|restart|resume|start|stop|submit|suspend|uninstall|unregister|wait|block|grant|protect|revoke|unblock|unprotect|use|foreach|where|sort|tee)-\w+$/i;
/** A program's name or path, not an expression (`$x.Method()`, `[IO.File]::Delete(…)`, `(…)`, a string). */
const NATIVE_NAME = /^[\w./\\~:+-]+$/;
/** A stage that writes literal text: a string alone, or Write-Output/echo of strings. */
const TEXT_WRITER = /^(?:write-output|echo|write)$/i;

/** What a stage writes when it is literal text: a string alone, or Write-Output of strings; else null. */
function literalOutput(stage: Stage): string | null {
  const [first = "", ...rest] = stage.tokens;
  const strings = TEXT_WRITER.test(first) ? rest : [first, ...rest];
  const literal = strings.length > 0 && strings.every((t) => /^'|^"[^$]*"$/.test(t));
  return literal ? `${strings.map(unquote).join("\n")}\n` : null;
}

/**
 * A program PowerShell runs is judged by the guard's rules for it, with the text the stage before writes as its stdin
 * when that text is literal (`'rm -rf /srv/app' | bash`), and as a stream it cannot see otherwise.
 */
function runNative(words: readonly string[], before: Stage | null, context: ScriptContext): void {
  const argv = words.map(argumentWord);
  if (!before) {
    context.inv.run(argv);
    return;
  }
  const text = literalOutput(before);
  context.inv.run(argv, {
    stdin: text === null ? null : Buffer.from(text),
    piped: text === null,
    stdinHint: before.tokens.join(" "),
  });
}

/**
 * Cmdlets whose arguments are only data: what they get, find, pick, compare, print or convert; and those that remove
 * or clear only what the session holds (its variables, loaded modules, background jobs, mapped drives, remote
 * sessions, breakpoints, screen, command history), none of it stored.
 */
const DATA_CMDLET =
  /^(?:get|find|search|select|where|sort|group|measure|compare|test|write|show|resolve|convertto|convertfrom|join|split|read)-\w+$|^format-(?:table|list|wide|custom|hex)$|^out-(?:host|string|null|default)$|^(?:remove|clear)-(?:variable|module|job|psdrive|pssession|cimsession|psbreakpoint|event|typedata|formatdata|host|history)$/;
const URL_TEXT = /[a-z][a-z0-9+.-]*:\/\/[^\s'"]*/gi;

/**
 * A command the cmdlet rules do not know (another cmdlet, a native program, a .NET call) is judged by its words, as
 * a program the guard has no rules for is; the words of cmdlets that only read or print are data.
 */
function unjudgedWords(words: readonly string[], an: Analysis): void {
  // A statement that starts with a string only writes it out.
  if (!words[0] || /^['"]/.test(words[0]) || DATA_CMDLET.test(commandName(words[0]))) return;
  const text = words.map((w) => unquote(w).replace(URL_TEXT, " "));
  const word = destructiveWord(text[0]!) ?? destructiveArgumentWord(text.slice(1));
  if (!word) return;
  if (words.some((w) => parameterNamed(w, "whatif", 1)))
    an.harmless(`PowerShell ${words[0]} with "${word}", but -WhatIf only reports`);
  else an.uncertain(`PowerShell runs ${words[0]} with "${word}" in it`, true);
}

/** `> file`, `>> file`, `2> file`, `*> file`: PowerShell writes the stream into the file as a shell does. */
function redirections(words: readonly string[], an: Analysis): void {
  for (let i = 0; i < words.length; i++) {
    const m = /^(?:[1-6*])?(>>?)(?!&)(.*)$/s.exec(words[i]!);
    if (!m) continue;
    const target = m[2] || words[i + 1];
    if (target === undefined) continue;
    const word = argumentWord(target);
    if (!word.dynamic) analyzeWriteTarget(word, m[1] === ">>", an, m[1]);
  }
}

/** Tokens joined by commas (`'a', 'b'`) are one array argument. */
function joinArrays(tokens: string[]): string[] {
  const out: string[] = [];
  for (const token of tokens) {
    const last = out[out.length - 1];
    if (last !== undefined && (last.endsWith(",") || token.startsWith(",")))
      out[out.length - 1] = last + token;
    else out.push(token);
  }
  return out;
}

/** Script text made into code by .NET rather than by a cmdlet: `[ScriptBlock]::Create(…)`, `InvokeScript(…)`. */
const SCRIPT_FROM_TEXT =
  /\[(?:System\.Management\.Automation\.)?ScriptBlock\]\s*::\s*Create\s*\(|\$ExecutionContext\s*\.\s*InvokeCommand\s*\.\s*(?:InvokeScript|NewScriptBlock)\s*\(/gi;
const LITERAL_TEXT = /^\s*('(?:[^']|'')*'|"(?:[^"`$]|`.)*")\s*\)/;

/**
 * .NET's file calls, which no cmdlet name shows: `[IO.File]::Delete(…)`, `[System.IO.File]::WriteAllText(…)`,
 * `[IO.Directory]::Delete(…, $true)`, `[IO.File]::Copy(a, b, $true)`, `New-Object IO.StreamWriter(…)`.
 */
const DOTNET_FILE_CALL =
  /\[(?:System\.)?IO\.(File|Directory|StreamWriter)\]\s*::\s*(\w+)\s*\(|New-Object\s+(?:-TypeName\s+)?(?:System\.)?IO\.(StreamWriter)\s*\(/gi;
const DOTNET_ARGUMENT = /\s*('(?:[^']|'')*'|"(?:[^"`]|`.)*"|(?:[^,()'"]|\([^()]*\))+)\s*([,)])/y;
/** A method that deletes what the object stands for: a FileInfo's, a DirectoryInfo's, a WMI object's (`$_.Delete()`). */
const DELETE_METHOD = /[)\w]\s*\.\s*Delete\s*\(/i;
const SHADOW_COPY = /\bWin32_ShadowCopy\b/i;
const TRUE_ARGUMENT = /^\$true$|^1$/i;
/** FileMode values that empty a file that exists. */
const TRUNCATING_MODE = /^(?:\[(?:System\.)?IO\.FileMode\]::)?['"]?(?:Create|Truncate)['"]?$/i;

/** The arguments of the call whose `(` ends at `from`, up to its closing parenthesis. */
function dotnetArguments(text: string, from: number): string[] {
  const out: string[] = [];
  DOTNET_ARGUMENT.lastIndex = from;
  for (let m = DOTNET_ARGUMENT.exec(text); m; m = DOTNET_ARGUMENT.exec(text)) {
    out.push(m[1]!.trim());
    if (m[2] === ")") break;
  }
  return out;
}

function dotnetFileCalls(script: string, { inv, an }: ScriptContext): void {
  for (const m of script.matchAll(DOTNET_FILE_CALL)) {
    const type = (m[1] ?? m[3]!).toLowerCase();
    const method = (m[2] ?? "new").toLowerCase();
    const args = dotnetArguments(script, m.index + m[0].length);
    const [first, second, third] = args.map(argumentWord);
    if (!first) continue;
    const call = `[IO.${m[1] ?? m[3]}]::${m[2] ?? "new"}`;
    if (type === "streamwriter") {
      if (method === "new") analyzeWriteTarget(first, TRUE_ARGUMENT.test(args[1] ?? ""), an, call);
    } else if (method === "delete") {
      const recursive = type === "directory" && TRUE_ARGUMENT.test(args[1] ?? "");
      if (type === "file" || recursive) judgeDeletion(call, [first], an);
    } else if (/^(?:writeall(?:text|bytes|lines)|create|createtext)$/.test(method))
      analyzeWriteTarget(first, false, an, call);
    else if (method === "open" && TRUNCATING_MODE.test(args[1] ?? ""))
      analyzeWriteTarget(first, false, an, call);
    else if (second && (method === "copy" || method === "move")) {
      // Without overwrite set, both refuse a destination that exists.
      const overwrite = type === "file" && TRUE_ARGUMENT.test(args[2] ?? "");
      inv.run([literal(method === "copy" ? "cp" : "mv"), literal(overwrite ? "-f" : "-n"), first, second]);
    } else if (second && method === "replace" && (!third || /^\$null$/i.test(third.text)))
      // Replace keeps the destination's old content only when a backup file is named.
      inv.run([literal("mv"), literal("-f"), first, second]);
  }
  if (DELETE_METHOD.test(script)) {
    if (SHADOW_COPY.test(script))
      an.destroysSafetyNet("PowerShell deletes volume shadow copies (.Delete())", "snapshot:delete");
    else
      an.destroys(
        "PowerShell calls .Delete() on an item whose path is only known at run time",
        "file:delete",
      );
  }
}

/** Judges each statement of a PowerShell script, and the text it makes into code. */
export function judgeScript(script: string, context: ScriptContext): void {
  context.an.note(script);
  dotnetFileCalls(script, context);
  for (const m of script.matchAll(SCRIPT_FROM_TEXT)) {
    const text = LITERAL_TEXT.exec(script.slice(m.index + m[0].length))?.[1];
    if (text !== undefined) context.an.nest(() => judgeScript(unquote(text), context));
    else context.an.uncertain(`PowerShell runs script text only known at run time (${m[0]}…)`, true);
  }
  const tokens = script.match(TOKEN) ?? [];
  let start = 0;
  let before: Stage | null = null;
  for (let i = 0; i <= tokens.length; i++) {
    if (i < tokens.length && !SEPARATOR.test(tokens[i]!)) continue;
    const statement = joinArrays(tokens.slice(start, i));
    if (statement.length) judgeStatement(statement, before, context);
    before = tokens[i] === "|" ? { tokens: statement } : null;
    start = i + 1;
  }
}

type PwshParameter = "command" | "encoded" | "file" | "value" | "switch";

/** pwsh's own parameters: any unambiguous prefix, and the short names it documents. */
function pwshParameter(token: string): PwshParameter {
  const name = token.toLowerCase().replace(/^--?/, "");
  const prefixOf = (full: string, min: number) => name.length >= min && full.startsWith(name);
  if (name === "c" || prefixOf("command", 2)) return "command";
  if (name === "e" || name === "ec" || prefixOf("encodedcommand", 2)) return "encoded";
  if (name === "f" || prefixOf("file", 2)) return "file";
  if (
    ["ep", "wd", "of", "if", "w", "v", "ea", "config", "settings"].includes(name) ||
    [
      "executionpolicy",
      "workingdirectory",
      "outputformat",
      "inputformat",
      "windowstyle",
      "version",
      "encodedarguments",
      "configurationname",
      "settingsfile",
      "custompipename",
      "psconsolefile",
    ].some((full) => prefixOf(full, 3))
  )
    return "value";
  return "switch";
}

/**
 * The script pwsh runs: `-Command` and what follows (`-` for stdin), `-EncodedCommand` decoded, `-File` (a file the
 * line wrote, or `-` for stdin), a first operand (a .ps1 file, else Windows PowerShell's command), or with none of
 * these the script on stdin.
 */
export function powershellScript(inv: Invocation, an: Analysis): void {
  const context = { inv, an };
  const judge = (text: string) => judgeScript(text, context);
  const source = scriptSource(inv.args);
  if (source === "stdin") scriptFromStdin(inv, an, judge);
  else if ("file" in source) {
    // A script the line did not write is a program of the project's, judged as before by its name.
    const file = inv.argv[source.file + 1]!;
    if (!judgeScriptFile(inv, an, file, judge, () => scriptFromStdin(inv, an, judge))) {
      judgeProjectFile(an, inv.name, file, judge);
      inv.run(inv.argv.slice(source.file + 1));
    }
  } else {
    // Script text that is a value the guard cannot know (`pwsh -c "$CMD"`) may be any script.
    const unread = source.words === undefined ? undefined : inv.argv.slice(source.words + 1).find(unreadable);
    if (unread) an.uncertain(`${inv.name} runs PowerShell text the guard cannot read (${unread.text})`, true);
    judge(source.text);
  }
}

/** `$NAME` or `${NAME}` alone, or text holding what the guard cannot know. */
const PARAMETER_ALONE = /^\s*\$(?:[A-Za-z_]\w*|\{[A-Za-z_]\w*\})\s*$/;
const unreadable = (word: Word) =>
  word.dynamic && (holdsUnknownText(word) || word.unread !== undefined || PARAMETER_ALONE.test(word.text));

type ScriptSource = "stdin" | { file: number } | { text: string; words?: number };

/** Where the script is: stdin, the index in `args` of its file, or its text (from the words at an index of `args`). */
function scriptSource(args: readonly string[]): ScriptSource {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "-") return "stdin";
    if (!arg.startsWith("-"))
      return /\.ps1$/i.test(arg) ? { file: i } : { text: args.slice(i).join(" "), words: i };
    const kind = pwshParameter(arg);
    if (kind === "command") {
      const script = args.slice(i + 1).join(" ");
      return script === "-" ? "stdin" : { text: script, words: i + 1 };
    }
    if (kind === "encoded" && args[i + 1] !== undefined)
      return { text: Buffer.from(args[i + 1]!, "base64").toString("utf16le") };
    if (kind === "file" && args[i + 1] !== undefined) return args[i + 1] === "-" ? "stdin" : { file: i + 1 };
    if (kind === "value") i++;
  }
  return "stdin";
}
