// Windows' cmd.exe (`cmd /c "rd /s /q C:\data"`): each command of the line it runs is judged as the shell command that
// does the same (rd /s and del as rm, copy and move as cp and mv, `>` as a shell's), its own programs by the guard's
// rules for them. robocopy's mirror mode deletes at the destination as `rsync --delete` does.
import type { Analysis } from "../analysis.ts";
import type { Invocation } from "../command.ts";
import { literal, type Word } from "../word.ts";
import { analyzeWriteTarget } from "./files.ts";

/** `%NAME%` and delayed `!NAME!` expand to what the guard cannot know. */
const VARIABLE = /%[^%\s]+%|![^!\s]+!|%%?~?[a-zA-Z]\b/;
const REDIRECT = /^(?:[12])?(>>?)(?!&)(.*)$/s;
/** cmd's own null device, and the console. */
const NULL_DEVICE = /^(?:nul|con)(?::)?$/i;

const cmdWord = (text: string): Word => ({
  text: text.replace(/^"(.*)"$/s, "$1"),
  dynamic: VARIABLE.test(text),
  glob: /[*?]/.test(text),
});

/** The line cut at unquoted `&`, `&&`, `|`, `||` (a `^` escapes the next character). */
function commands(line: string): string[] {
  const out: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "^" && !quoted && i + 1 < line.length) {
      current += line[++i];
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (!quoted && (c === "&" || c === "|")) {
      if (line[i + 1] === c) i++;
      out.push(current);
      current = "";
      continue;
    }
    current += c;
  }
  out.push(current);
  return out.map((c) => c.trim()).filter(Boolean);
}

const switches = (tokens: readonly string[]) =>
  new Set(tokens.filter((t) => t.startsWith("/")).map((t) => t.toLowerCase()));
const operands = (tokens: readonly string[]) => tokens.filter((t) => !t.startsWith("/")).map(cmdWord);

/** `if [not] exist X …`, `if errorlevel 1 …`, `if [/i] a==b …`: the condition before the command it guards. */
const IF_CONDITION =
  /^if\s+(?:\/i\s+)?(?:not\s+)?(?:exist\s+(?:"[^"]*"|\S+)|defined\s+\S+|errorlevel\s+\d+|cmdextversion\s+\d+|(?:"[^"]*"|\S+?)\s*(?:==|\s(?:equ|neq|lss|leq|gtr|geq)\s)\s*(?:"[^"]*"|\S+))\s+/i;
/** `for [/d|/r|/f …] %i in (…) do …`: the command run for each item. */
const FOR_BODY = /^for\s.*?\sdo\s+/is;

function judgeCommand(whole: string, inv: Invocation, an: Analysis): void {
  // A block cut at `&&` leaves an opening or closing parenthesis on the commands at its ends.
  let text = whole;
  if (text.startsWith("(") && !text.includes(")")) text = text.slice(1).trim();
  if (text.endsWith(")") && !text.includes("(")) text = text.slice(0, -1).trim();
  // A block, and the command an if or a for runs, are judged as commands of their own.
  const block = /^\((.*)\)$/s.exec(text)?.[1];
  const guarded = IF_CONDITION.exec(text) ?? FOR_BODY.exec(text);
  if (block !== undefined || guarded) {
    const inner = block ?? text.slice(guarded![0].length);
    // `if … (a) else (b)`: both branches may run.
    for (const part of inner.split(/\)\s*else\s*\(?/i))
      judgeCommand(part.trim().replace(/^\(|\)$/g, ""), inv, an);
    return;
  }
  const tokens: string[] = [];
  const all = text.match(/(?:[^\s"]|"[^"]*")+/g) ?? [];
  for (let i = 0; i < all.length; i++) {
    const m = REDIRECT.exec(all[i]!);
    if (!m) {
      tokens.push(all[i]!);
      continue;
    }
    const target = m[2] || all[++i];
    if (target === undefined || NULL_DEVICE.test(target)) continue;
    const word = cmdWord(target);
    if (!word.dynamic) analyzeWriteTarget(word, m[1] === ">>", an, m[1]);
  }
  const [name = "", ...rest] = tokens;
  const verb = name.toLowerCase().replace(/^@/, "");
  const flags = switches(rest);
  switch (verb) {
    case "rd":
    case "rmdir":
      // Without /s only an empty directory goes.
      if (flags.has("/s")) inv.run([literal("rm"), literal("-rf"), ...operands(rest)]);
      return;
    case "del":
    case "erase":
      inv.run([literal("rm"), literal(flags.has("/s") ? "-rf" : "-f"), ...operands(rest)]);
      return;
    case "copy":
    case "move":
      inv.run([
        literal(verb === "copy" ? "cp" : "mv"),
        ...(flags.has("/y") ? [literal("-f")] : []),
        ...operands(rest),
      ]);
      return;
    case "format":
      if (operands(rest).some((w) => /^[a-z]:\\?$/i.test(w.text)))
        an.destroys(`cmd format ${operands(rest)[0]!.text} erases the volume`, "disk:format");
      return;
    case "echo":
    case "set":
    case "cd":
    case "chdir":
    case "dir":
    case "type":
    case "ver":
    case "title":
    case "cls":
    case "rem":
    case "pushd":
    case "popd":
    case "exit":
      return;
    default:
      if (verb) inv.run([cmdWord(name), ...rest.map(cmdWord)]);
  }
}

/** cmd's switches before the command: `/c` or `/k` run the rest of the line; `/s`, `/q`, `/d`, `/v:on` only adjust. */
export function cmdScript(inv: Invocation, an: Analysis): void {
  const at = inv.args.findIndex((a) => /^\/[ck]$/i.test(a));
  if (at < 0) return;
  const line = inv.args
    .slice(at + 1)
    .join(" ")
    .trim()
    .replace(/^"(.*)"$/s, "$1");
  an.note(line);
  for (const command of commands(line)) judgeCommand(command, inv, an);
}

/** robocopy SRC DST: `/MIR` and `/PURGE` delete what the destination holds and the source lacks; `/L` only lists. */
export function robocopy(inv: Invocation, an: Analysis): void {
  const flags = switches(inv.args);
  if (flags.has("/l")) {
    an.harmless("robocopy /L only lists what it would copy");
    return;
  }
  if (flags.has("/mir") || flags.has("/purge")) {
    const destination = operands(inv.args)[1]?.text ?? "the destination";
    an.destroys(
      `robocopy ${flags.has("/mir") ? "/MIR" : "/PURGE"} deletes files in ${destination} the source lacks`,
      "file:delete",
    );
  }
}
