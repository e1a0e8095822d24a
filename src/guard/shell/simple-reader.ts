// A fast, exact reader for the simple subset of shell most agent commands are written in: words, quotes,
// $NAME expansions, `&& || ; |` and plain redirections. Anything else (heredocs with expansions, compound
// commands, subshells…) returns null and goes to the full parser (mvdan/sh); a property test checks that both agree
// on everything this reader accepts.
import { lexSimpleShell, type SimpleToken } from "./simple-lexer.ts";
import type { SimpleCommand, SimpleScript } from "./simple-syntax.ts";

const RESERVED = new Set([
  "if",
  "then",
  "else",
  "elif",
  "fi",
  "do",
  "done",
  "case",
  "esac",
  "while",
  "until",
  "for",
  "function",
  "select",
  "coproc",
  "{",
  "}",
  "!",
  "[[",
  "]]",
  "in",
]);
const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)(\+?)=/;

/** Returns null whenever the text is outside the subset; the caller then uses the full parser. */
export function readSimpleShell(src: string): SimpleScript | null {
  const tokens = lexSimpleShell(src, readSimpleShell);
  return tokens ? assemble(tokens) : null;
}

/** Tokens into pipelines of commands: assignments, `time`, reserved words and dangling operators decided here. */
function assemble(tokens: SimpleToken[]): SimpleScript | null {
  const script: SimpleScript = [];
  let pipeline: SimpleCommand[] = [];
  let command: SimpleCommand = { assigns: [], words: [], redirects: [] };
  let empty = true;
  const endCommand = (): boolean => {
    if (empty) return false;
    pipeline.push(command);
    command = { assigns: [], words: [], redirects: [] };
    empty = true;
    return true;
  };
  let dangling = false;
  let timed = false;
  for (let t = 0; t < tokens.length; t++) {
    const token = tokens[t]!;
    if ("op" in token) {
      // A newline ends a command like ";", but after "&&", "|" or another newline it only continues the line.
      if (token.op === "\n" && empty) continue;
      if (!endCommand()) return null;
      if (token.op !== "|") {
        script.push(pipeline);
        pipeline = [];
      }
      dangling = token.op === "&&" || token.op === "||" || token.op === "|";
      timed = false;
    } else if ("redirect" in token) {
      const target = tokens[++t];
      if (!target || !("word" in target)) return null;
      command.redirects.push({ op: token.redirect, target: target.word });
      empty = false;
      dangling = false;
    } else {
      const w = token.word;
      dangling = false;
      // `time [-p] pipeline` only times it.
      const literal = w.length === 1 && !w[0]!.quoted && !w[0]!.param && !w[0]!.subst ? w[0]!.text : "";
      if (empty && literal === "time" && pipeline.length === 0) {
        timed = true;
        continue;
      }
      if (empty && timed && literal === "-p") {
        timed = false;
        continue;
      }
      if (literal === "time" && empty) return null;
      const first = w[0];
      const assignment =
        command.words.length === 0 && first && !first.quoted && !first.param
          ? ASSIGNMENT.exec(first.text)
          : null;
      if (assignment) {
        const rest = first!.text.slice(assignment[0].length);
        command.assigns.push({
          name: assignment[1]!,
          append: assignment[2] === "+",
          value: [...(rest ? [{ text: rest, quoted: false }] : []), ...w.slice(1)],
        });
      } else {
        if (command.words.length === 0 && RESERVED.has(w.length === 1 && !w[0]!.quoted ? w[0]!.text : ""))
          return null;
        command.words.push(w);
      }
      empty = false;
    }
  }
  if (dangling) return null;
  if (!empty) endCommand();
  else if (pipeline.length) return null;
  if (pipeline.length) script.push(pipeline);
  return script;
}
