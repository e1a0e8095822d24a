// A shell word as the guard sees it once quotes are removed: what the command tables and the analysis share.

/** A shell word after quote removal and expansion; `dynamic` when part of it is only known at run time. */
export interface Word {
  text: string;
  dynamic: boolean;
  glob: boolean;
  /**
   * A variable's value where which way the line went decides it (`if …; then c=a; else c=b; fi`): each value it may
   * hold. `text` then holds them all, and the word is dynamic, for what reads the value whole.
   */
  values?: readonly Word[];
  /**
   * Text the guard cannot read that runs as a command where it stands as one (a line `read` took from a stream, a
   * variable a shell splices into the script it parses): what it is, for reasons. `$NAME` alone keeps it.
   */
  unread?: string;
  /**
   * The mktemp call whose output this is: a file or directory the line itself just made, which deleting loses nothing
   * of. `$NAME` or `$(mktemp …)` alone keeps it; a word that adds anything (`"$t"/..`) does not.
   */
  freshTemporary?: string;
  /**
   * Holds a `$NAME` or `$(…)` outside double quotes whose value is only known at run time: the shell splits it at
   * blanks into several words, so what looks like one path may be several.
   */
  splits?: boolean;
}

export const literal = (text: string): Word => ({ text, dynamic: false, glob: false });

const GLOB_CHAR = /[*?[]/;

/** Whether unquoted text holds a pattern character the shell would expand. */
export const hasGlobChar = (text: string): boolean => GLOB_CHAR.test(text);

/**
 * A word made of parts, with what only a word made of one expansion keeps (`unread`, `freshTemporary`): fields left
 * out when absent, so words compare equal however they were built.
 */
export function withAlone(word: Word, unread?: string, freshTemporary?: string): Word {
  if (unread !== undefined) word.unread = unread;
  if (freshTemporary !== undefined) word.freshTemporary = freshTemporary;
  return word;
}
