// Programs whose output is their own shell set-up (`eval "$(pyenv init -)"`, `eval "$(ssh-agent -s)"`): variables,
// PATH entries, functions and prompt hooks for the shell that evaluates it, which runs nothing the guard must judge.
import type { Word } from "./word.ts";

const SHELLS = "(?:bash|zsh|fish|sh|posix|ksh|tcsh|csh|elvish|nu|xonsh|pwsh|powershell)";
const INIT = new RegExp(`^init(?: -| --path| --no-rehash| - ${SHELLS}| ${SHELLS})*(?: -)?$`);
const SHELL_INIT = new RegExp(`^init ${SHELLS}(?: --[\\w-]+(?:=\\S+)?)*$`);

/** The set-up commands each program prints, as its arguments joined by one space. */
const SETUP_PRINTERS: ReadonlyMap<string, RegExp> = new Map(
  Object.entries({
    "ssh-agent": /^(?:-[sc])?$/,
    direnv: new RegExp(`^(?:export|hook) ${SHELLS}$`),
    pyenv: new RegExp(`${INIT.source}|^virtualenv-init -(?: ${SHELLS})?$`),
    rbenv: INIT,
    nodenv: INIT,
    goenv: INIT,
    jenv: INIT,
    plenv: INIT,
    phpenv: INIT,
    brew: new RegExp(`^shellenv(?: ${SHELLS})?$`),
    conda: new RegExp(`^shell\\.${SHELLS} hook$`),
    mamba: new RegExp(`^shell\\.${SHELLS} hook$`),
    micromamba: new RegExp(`^shell hook(?: (?:-s|--shell) ${SHELLS})?$`),
    fnm: new RegExp(`^env(?: --[\\w-]+(?:[= ]${SHELLS})?)*$`),
    mise: new RegExp(`^activate(?: ${SHELLS})?(?: --shims)?$`),
    zoxide: SHELL_INIT,
    starship: SHELL_INIT,
    atuin: SHELL_INIT,
    opam: /^env(?: --switch[= ][\w.-]+| --set-switch| --shell[= ]\w+)*$/,
    dircolors: /^(?:-[bc]|--sh|--bourne-shell|--csh|--c-shell)?$/,
  }),
);

/** A CLI's own completion script (`kubectl completion bash`): it defines functions and runs nothing. */
const COMPLETION = /^completions?$/;

/**
 * Whether these words (a command's whole argv, every word known) print the program's shell set-up or completion
 * script and nothing else.
 */
export function printsShellSetup(argv: readonly Word[]): boolean {
  if (argv.length === 0 || argv.some((w) => w.dynamic || w.glob)) return false;
  const program = argv[0]!.text.replace(/^.*\//, "");
  if (argv.length >= 2 && COMPLETION.test(argv[1]!.text)) return true;
  const printer = SETUP_PRINTERS.get(program);
  return (
    printer?.test(
      argv
        .slice(1)
        .map((w) => w.text)
        .join(" "),
    ) ?? false
  );
}
