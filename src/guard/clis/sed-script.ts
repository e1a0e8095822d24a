// What a sed command line asks sed to do: its scripts (given as the first operand, by -e/--expression, or in files
// the guard cannot see), whether it edits in place, and whether a script runs commands or writes files.

export interface SedCall {
  /** Scripts as written on the command line, in order. */
  scripts: string[];
  /** Script files (`-f`, `--file`): their commands are unseen. */
  scriptFiles: string[];
  inPlace: boolean;
  /** `--sandbox`: sed refuses e, w and r. */
  sandbox: boolean;
  /** The input files. */
  files: string[];
}

/** GNU sed's long options, which getopt lets any unambiguous prefix spell. */
const LONG_OPTIONS = [
  "binary",
  "debug",
  "expression",
  "file",
  "follow-symlinks",
  "help",
  "in-place",
  "line-length",
  "null-data",
  "posix",
  "quiet",
  "regexp-extended",
  "sandbox",
  "separate",
  "silent",
  "unbuffered",
  "version",
  "zero-terminated",
];
const LONG_WITH_VALUE = new Set(["expression", "file", "line-length"]);

/** The long option a prefix spells (`--in` is `--in-place`); an ambiguous or unknown one is returned as written. */
function longOption(name: string): string {
  if (LONG_OPTIONS.includes(name)) return name;
  const matches = LONG_OPTIONS.filter((o) => o.startsWith(name));
  return matches.length === 1 ? matches[0]! : name;
}

/** Reads sed's command line as GNU getopt would. */
export function parseSed(args: readonly string[]): SedCall {
  const call: SedCall = { scripts: [], scriptFiles: [], inPlace: false, sandbox: false, files: [] };
  const operands: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--") {
      operands.push(...args.slice(i + 1));
      break;
    }
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      const name = longOption(eq < 0 ? a.slice(2) : a.slice(2, eq));
      const value = eq < 0 ? (LONG_WITH_VALUE.has(name) ? args[++i] : undefined) : a.slice(eq + 1);
      if (name === "expression") call.scripts.push(value ?? "");
      else if (name === "file") call.scriptFiles.push(value ?? "");
      else if (name === "in-place") call.inPlace = true;
      else if (name === "sandbox") call.sandbox = true;
      continue;
    }
    if (a.startsWith("-") && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const flag = a[j]!;
        if (flag === "i") {
          // -i takes the rest of the word as a backup suffix.
          call.inPlace = true;
          break;
        }
        if (flag === "e" || flag === "f" || flag === "l") {
          const value = j + 1 < a.length ? a.slice(j + 1) : args[++i];
          if (flag === "e") call.scripts.push(value ?? "");
          if (flag === "f") call.scriptFiles.push(value ?? "");
          break;
        }
      }
      continue;
    }
    operands.push(a);
  }
  if (call.scripts.length === 0 && call.scriptFiles.length === 0 && operands.length)
    call.scripts.push(operands.shift()!);
  call.files = operands;
  return call;
}

/** Commands that take no argument, or an optional number (`q5`, `l 40`). */
const PLAIN = new Set([..."=dDgGhHlLnNpPqQxzF"]);
/** Commands whose argument runs to the end of the line: text (a, i, c), a file to read (r, R), a label. */
const TO_END_OF_LINE = new Set([..."aicrR:"]);
/** Branches, whose label ends at a semicolon too. */
const BRANCH = new Set([..."btT"]);

/**
 * Whether a sed script runs a command or writes a file: GNU's `e` command and `s///e` flag run shell commands, `w`,
 * `W` and the `s///w` flag write (truncating) files. A script this reader cannot follow counts too.
 */
export function sedScriptRunsOrWrites(script: string): boolean {
  let i = 0;
  const at = () => script[i] ?? "";
  const skipBlanks = () => {
    while (/[ \t]/.test(at())) i++;
  };
  const toEndOfLine = () => {
    while (i < script.length && at() !== "\n") i += at() === "\\" ? 2 : 1;
  };
  /** Skips a delimited part (`/re/`, `|re|`) whose opening delimiter is at i; false when it never closes. */
  const delimited = (delimiter: string) => {
    i++;
    while (i < script.length && at() !== delimiter) {
      if (at() === "\n") return false;
      i += at() === "\\" ? 2 : 1;
    }
    if (i >= script.length) return false;
    i++;
    return true;
  };
  const address = () => {
    if (/[0-9]/.test(at())) {
      while (/[0-9~]/.test(at())) i++;
    } else if (at() === "$") i++;
    else if (at() === "/" || at() === "\\") {
      if (at() === "\\") i++;
      if (!at() || !delimited(at())) return false;
      while (/[IM]/.test(at())) i++;
    }
    return true;
  };
  while (i < script.length) {
    while (/[\s;]/.test(at())) i++;
    if (i >= script.length) return false;
    if (!address()) return true;
    skipBlanks();
    if (at() === ",") {
      i++;
      skipBlanks();
      if (/[+~]/.test(at())) i++;
      if (!address()) return true;
      skipBlanks();
    }
    while (at() === "!" || /[ \t]/.test(at())) i++;
    const command = at();
    i++;
    if (command === "e" || command === "w" || command === "W") return true;
    if (command === "{" || command === "}") continue;
    if (command === "#") toEndOfLine();
    else if (TO_END_OF_LINE.has(command)) toEndOfLine();
    else if (BRANCH.has(command)) while (i < script.length && !/[;\n]/.test(at())) i++;
    else if (command === "s" || command === "y") {
      const delimiter = at();
      if (!delimiter || delimiter === "\\" || delimiter === "\n") return true;
      if (!delimited(delimiter)) return true;
      i--; // the closing delimiter opens the second part
      if (!delimited(delimiter)) return true;
      if (command === "s") {
        while (/[0-9gpiImM]/.test(at())) i++;
        if (at() === "e" || at() === "w") return true;
      }
    } else if (PLAIN.has(command) || command === "v") {
      skipBlanks();
      while (/[0-9.]/.test(at())) i++;
    } else return true;
    skipBlanks();
    if (i < script.length && !/[;\n}#]/.test(at())) return true;
  }
  return false;
}
