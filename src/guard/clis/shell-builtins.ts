// Bash builtins that evaluate what they are given: `let` its arithmetic, and those that take a variable's name
// (`read`, `printf -v`, `unset`, `declare`…) the subscript in it, so `read 'a[$(cmd)]'` runs cmd.
import type { Analysis } from "../analysis.ts";
import type { CommandAnalyzer, CommandTable, Invocation } from "../command.ts";
import {
  INTEGER_OPTION,
  judgeArithmetic,
  judgeDeclaredWord,
  judgeSubscriptedName,
} from "../shell-arithmetic.ts";
import { givesNameref, judgeUnfollowedNameref } from "../shell-nameref.ts";
import type { Word } from "../word.ts";

function letBuiltin(inv: Invocation, an: Analysis): void {
  for (const word of inv.argv.slice(1)) judgeArithmetic(word, inv.vars, an);
}

/** Every word may be a name (`read -r a 'b[i]'`): options never look like one. */
function names(inv: Invocation, an: Analysis): void {
  for (const word of inv.argv.slice(1)) judgeSubscriptedName(word, inv.vars, an);
}

function declaration(inv: Invocation, an: Analysis): void {
  let integer = false;
  let nameref = false;
  for (const word of inv.argv.slice(1)) {
    if (word.text.startsWith("-")) {
      integer ||= INTEGER_OPTION.test(word.text);
      nameref ||= givesNameref(inv.name, word.text);
    } else {
      judgeDeclaredWord(word, integer, inv.vars, an);
      if (nameref) judgeUnfollowedNameref(word, inv.vars, an);
    }
  }
}

/** The name given to `option` (`printf -v NAME`, `-vNAME`), as the word after it or glued to it. */
function namedBy(option: string): CommandAnalyzer {
  return (inv, an) => {
    const words = inv.argv.slice(1);
    words.forEach((word, i) => {
      let name: Word | undefined;
      if (word.text === option) name = words[i + 1];
      else if (word.text.startsWith(option)) name = { ...word, text: word.text.slice(option.length) };
      if (name) judgeSubscriptedName(name, inv.vars, an);
    });
  };
}

/** `getopts OPTSTRING NAME [ARG…]`: only NAME is a name. */
function getopts(inv: Invocation, an: Analysis): void {
  const name = inv.argv[2];
  if (name) judgeSubscriptedName(name, inv.vars, an);
}

export const shellBuiltinCommands: CommandTable = {
  let: letBuiltin,
  read: names,
  unset: names,
  mapfile: names,
  readarray: names,
  declare: declaration,
  typeset: declaration,
  local: declaration,
  export: declaration,
  readonly: declaration,
  printf: namedBy("-v"),
  test: namedBy("-v"),
  "[": namedBy("-v"),
  wait: namedBy("-p"),
  getopts,
};
