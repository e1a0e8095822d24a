// Secrets given to the CLI: from a file or stdin rather than argv, where any user of the machine can read them (`ps`).
// One convention for every secret: `--<name>-file <path>`, or `-` (as the value or the path) for stdin.
import { readFile } from "node:fs/promises";
import { text } from "node:stream/consumers";

export interface SecretSources {
  /** What the secret is, for messages: "token", "enrolment token", "code". */
  what: string;
  /** How the secret is given on the command line, for messages ("--token", "the token argument"). */
  flag: string;
  /** The file option, if the command has one ("--token-file"). */
  fileFlag?: string;
  /** The value given on the command line; `-` reads stdin. */
  value?: string;
  /** `--<name>-file`: a path, or `-` for stdin. */
  file?: string;
  /** Read stdin when neither is given (a command whose secret is required). */
  stdinByDefault?: boolean;
}

/** The secret, trimmed of surrounding whitespace (a trailing newline from `echo` or an editor); never empty. */
export async function readSecret(sources: SecretSources): Promise<string> {
  const { what, flag, fileFlag, value, file } = sources;
  if (value !== undefined && file !== undefined)
    throw new Error(`give the ${what} with ${flag} or with ${fileFlag}, not both`);
  let secret: string;
  if (value !== undefined && value !== "-") secret = value;
  else if (file !== undefined && file !== "-") secret = await readFile(file, "utf8");
  else if (value === "-" || file === "-" || sources.stdinByDefault) secret = await readStdin(what);
  else
    throw new Error(
      `no ${what}: give ${fileFlag ? `${fileFlag} <path>, or ` : ""}${flag} - to read it from stdin`,
    );
  secret = secret.trim();
  if (!secret)
    throw new Error(`no ${what}: ${file && file !== "-" ? `${file} is empty` : "stdin was empty"}`);
  return secret;
}

async function readStdin(what: string): Promise<string> {
  // A person at a terminal gets told what the silence is waiting for.
  if (process.stdin.isTTY) process.stderr.write(`leash: reading the ${what} from stdin (end with Ctrl-D)\n`);
  return text(process.stdin);
}
