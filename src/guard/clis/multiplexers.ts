// Terminal multiplexers run commands they are given in new sessions, windows and panes, run shell commands of their
// own (`tmux run-shell`, `if-shell`), and type keys into whatever runs in a pane (`tmux send-keys`, `screen -X stuff`).
import type { Analysis } from "../analysis.ts";
import type { Invocation } from "../command.ts";
import { shellQuoted } from "../shell-quote.ts";
import { literal, type Word } from "../word.ts";
import { judgeShellCommand, judgeTypedText } from "./carried-text.ts";

type TmuxOperands = "shell" | "keys" | "condition" | "option" | "hook" | "binding";

interface TmuxCommand {
  /** The name and the shortest prefix tmux takes for it (`new-s[ession]`), or its alias. */
  names: readonly string[];
  /** Letters of the command's options that take a value. */
  values: string;
  operands: TmuxOperands;
}

/** tmux's commands that run something, as `tmux list-commands` spells them. */
const TMUX_COMMANDS: readonly TmuxCommand[] = [
  { names: ["new-s[ession]", "new"], values: "cefFnstxy", operands: "shell" },
  { names: ["new-w[indow]", "neww"], values: "cefFnt", operands: "shell" },
  { names: ["sp[lit-window]", "splitw"], values: "cefFlpt", operands: "shell" },
  { names: ["respawn-p[ane]", "respawnp"], values: "cet", operands: "shell" },
  { names: ["respawn-w[indow]", "respawnw"], values: "cet", operands: "shell" },
  { names: ["ru[n-shell]", "run"], values: "cdt", operands: "shell" },
  { names: ["pi[pe-pane]", "pipep"], values: "t", operands: "shell" },
  { names: ["display-po[pup]", "popup"], values: "bcdehsStTwxy", operands: "shell" },
  { names: ["i[f-shell]", "if"], values: "t", operands: "condition" },
  { names: ["send-k[eys]", "send"], values: "cNt", operands: "keys" },
  { names: ["set-o[ption]", "set"], values: "t", operands: "option" },
  { names: ["set-h[ook]"], values: "t", operands: "hook" },
  { names: ["bi[nd-key]", "bind"], values: "NT", operands: "binding" },
];

function named(word: string, abbreviation: string): boolean {
  const open = abbreviation.indexOf("[");
  const full = abbreviation.replace(/[[\]]/g, "");
  return open < 0 ? word === full : word.length >= open && full.startsWith(word);
}

/** Keys send-keys gives by name: those that end a line, and those that type nothing the guard reads. */
const LINE_KEYS = /^(?:Enter|KPEnter|C-m|C-j|\^M|\^J)$/i;
const NAMED_KEY = /^(?:(?:[CMS]-)+\S|[A-Z][A-Za-z]+\d*|F\d+|\^.)$/;

/** The options of a tmux command, then its operands. */
function operandsOf(words: readonly Word[], values: string): { flags: string; operands: Word[] } {
  let flags = "";
  let i = 1;
  for (; i < words.length; i++) {
    const t = words[i]!.text;
    if (t === "--") {
      i++;
      break;
    }
    if (t.length < 2 || !t.startsWith("-")) break;
    for (let j = 1; j < t.length; j++) {
      flags += t[j];
      if (values.includes(t[j]!)) {
        if (j === t.length - 1) i++;
        break;
      }
    }
  }
  return { flags, operands: words.slice(i) };
}

/** A tmux command given as one string (if-shell's, a hook's): read as tmux reads it, by handing it to tmux again. */
function tmuxCommandText(text: Word, an: Analysis): void {
  if (text.dynamic)
    an.uncertain(`tmux runs a tmux command the guard cannot read (${text.text.slice(0, 60)})`, true);
  else an.nested.shell(`tmux ${text.text}`);
}

/** One shell command from a command's operands: one word is a command line, several are a program and its words. */
function shellOperands(operands: readonly Word[]): Word {
  if (operands.length === 1) return operands[0]!;
  return {
    text: operands.map((w) => shellQuoted(w.text)).join(" "),
    dynamic: operands.some((w) => w.dynamic),
    glob: false,
  };
}

function tmuxCommand(words: readonly Word[], an: Analysis, inv: Invocation): void {
  const name = words[0]?.text ?? "";
  const command = TMUX_COMMANDS.find((c) => c.names.some((n) => named(name, n)));
  if (!command) return;
  const { flags, operands } = operandsOf(words, command.values);
  const via = `tmux ${name}`;
  switch (command.operands) {
    case "shell":
      // run-shell -C runs a tmux command rather than a shell one.
      if (!operands.length) return;
      if (flags.includes("C") && named(name, "ru[n-shell]")) tmuxCommandText(operands[0]!, an);
      else judgeShellCommand(shellOperands(operands), via, an, inv.vars);
      return;
    case "condition":
      // if-shell -F reads its condition as a format, not a command.
      if (operands[0] && !flags.includes("F")) judgeShellCommand(operands[0], via, an, inv.vars);
      for (const branch of operands.slice(1, 3)) tmuxCommandText(branch, an);
      return;
    case "keys": {
      // -X sends copy-mode commands, -H hexadecimal key codes; -l types every word as it is.
      if (flags.includes("X") || flags.includes("H")) return;
      const typed = operands.map((w) =>
        flags.includes("l")
          ? w
          : LINE_KEYS.test(w.text)
            ? literal("\n")
            : NAMED_KEY.test(w.text) && !w.dynamic
              ? literal("")
              : w,
      );
      judgeTypedText(
        { text: typed.map((w) => w.text).join(""), dynamic: typed.some((w) => w.dynamic), glob: false },
        via,
        an,
      );
      return;
    }
    case "option":
      if (operands[0]?.text === "default-command" && operands[1])
        judgeShellCommand(operands[1], `${via} default-command`, an, inv.vars);
      return;
    case "hook":
      if (operands[1]) tmuxCommandText(operands[1], an);
      return;
    case "binding":
      // The key, then the tmux command it runs when pressed.
      if (operands.length > 1) tmuxCommand(operands.slice(1), an, inv);
  }
}

/** tmux [-c shell-command] [options] [command [;] command …]: with no command it starts a session. */
export function tmux(inv: Invocation, an: Analysis): void {
  const words = inv.argv.slice(1);
  let i = 0;
  for (; i < words.length; i++) {
    const t = words[i]!.text;
    if (t === "--") {
      i++;
      break;
    }
    if (t.length < 2 || !t.startsWith("-")) break;
    for (let j = 1; j < t.length; j++) {
      if (!"cfLST".includes(t[j]!)) continue;
      const glued = t.slice(j + 1);
      const value = glued ? { ...words[i]!, text: glued } : words[++i];
      // -c runs a shell command as the login shell would.
      if (t[j] === "c" && value) judgeShellCommand(value, "tmux -c", an, inv.vars);
      break;
    }
  }
  let command: Word[] = [];
  for (const word of words.slice(i)) {
    // Commands are separated by a `;` word, or a word ending in an unescaped `;`.
    const ends = word.text === ";" || (word.text.endsWith(";") && !word.text.endsWith("\\;"));
    if (ends) {
      if (word.text !== ";") command.push({ ...word, text: word.text.slice(0, -1) });
      tmuxCommand(command, an, inv);
      command = [];
    } else command.push(word);
  }
  tmuxCommand(command, an, inv);
}

/** A command in a new window reads that window's terminal. */
const A_TERMINAL = { stdin: null, piped: false, stdinHint: "" };

/** screen's options that take a value (`-S name`, `-c file`). */
const SCREEN_VALUES = "cehpsStT";
const SCREEN_WORD_VALUES = new Set(["-Logfile"]);
/** Options after which the operands name a session rather than a command, unless -m starts a new one anyway. */
const SCREEN_ATTACH = /^-(?:[dDrRx]|ls|list|wipe|Q)$/;

/** A screen command sent to a session (`screen -X stuff TEXT`, `-X exec cmd`, `-X screen cmd`). */
function screenCommand(words: readonly Word[], an: Analysis, inv: Invocation): void {
  const [name, ...rest] = words;
  if (!name) return;
  if (name.text === "stuff" && rest[0]) {
    // stuff's text takes ^M and \n for the end of a line.
    const text = rest.map((w) => w.text).join(" ");
    judgeTypedText(
      { text: text.replace(/\^M|\\n|\\r/g, "\n"), dynamic: rest.some((w) => w.dynamic), glob: false },
      "screen -X stuff",
      an,
    );
  } else if (name.text === "exec" || name.text === "screen") {
    // exec may start with a descriptor pattern (`!.`, `.!.`); screen with its own options.
    const argv = rest.filter((w, n) => !(n === 0 && /^[.!|:]+$/.test(w.text)) && !w.text.startsWith("-"));
    if (argv.length) inv.run(argv, A_TERMINAL);
  }
}

/** `screen [options] [cmd [args]]` runs cmd in a new window; `screen -X command` sends a command to a session. */
export function screen(inv: Invocation, an: Analysis): void {
  const words = inv.argv.slice(1);
  const flags: string[] = [];
  let i = 0;
  for (; i < words.length; i++) {
    const t = words[i]!.text;
    if (t === "--") {
      i++;
      break;
    }
    if (t.length < 2 || !t.startsWith("-")) break;
    if (SCREEN_ATTACH.test(t) || SCREEN_WORD_VALUES.has(t)) {
      flags.push(t);
      if (SCREEN_WORD_VALUES.has(t)) i++;
      continue;
    }
    for (let j = 1; j < t.length; j++) {
      if (t[j] === "X") {
        // The rest of the line is a command for the session: glued on, or from the next word.
        const glued = t.slice(j + 1);
        const rest = words.slice(i + 1);
        screenCommand(glued ? [{ ...words[i]!, text: glued }, ...rest] : rest, an, inv);
        return;
      }
      flags.push(`-${t[j]}`);
      if (!SCREEN_VALUES.includes(t[j]!)) continue;
      if (j === t.length - 1) i++;
      break;
    }
  }
  if (flags.some((f) => SCREEN_ATTACH.test(f)) && !flags.includes("-m")) return;
  const operands = words.slice(i);
  // The command runs in a new window, reading its terminal.
  if (operands.length) inv.run(operands, A_TERMINAL);
}
