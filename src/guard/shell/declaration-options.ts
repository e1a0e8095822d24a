// The attributes a declaration builtin's options (`declare -gin`) give the names declared after them, read alike by
// both shell walkers so that they make the same runner calls.
import { ASSOCIATIVE_OPTION, GLOBAL_OPTION, INTEGER_OPTION } from "../shell-arithmetic.ts";
import { givesNameref } from "../shell-nameref.ts";

export class DeclarationOptions {
  integer = false;
  nameref = false;
  associative = false;
  private global = false;

  constructor(private readonly builtin: string) {}

  /** An option word (`-i`, `-gn`): its attributes hold for the names after it. */
  read(option: string): void {
    this.integer ||= INTEGER_OPTION.test(option);
    this.nameref ||= givesNameref(this.builtin, option);
    this.associative ||= ASSOCIATIVE_OPTION.test(option);
    this.global ||= GLOBAL_OPTION.test(option);
  }

  /** In a function, `local` names (and `declare`'s or `typeset`'s without `-g`) are the function's own. */
  get local(): boolean {
    return (
      this.builtin === "local" || ((this.builtin === "declare" || this.builtin === "typeset") && !this.global)
    );
  }
}
