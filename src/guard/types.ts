// The public shapes of the guard: what a caller passes in and what a classification says.

export type Decision = "allow" | "ask" | "deny";

/** What betrays an environment in a command: hostnames, kube contexts, `RAILS_ENV=production`, project ids. */
export interface EnvironmentMarkers {
  name: string;
  protected: boolean;
  markers: string[];
}

export interface GuardContext {
  /** The environment the task was issued for; a command pointing elsewhere is denied. */
  env?: string;
  /** The task's stated intent, e.g. "fix the staging deploy". */
  intent?: string;
  /** Where the intent came from ("verified task token", "LEASH_INTENT"…), named in the intent's reasons. */
  intentSource?: string;
  /** Known environments; defaults to a protected `production` and an unprotected `staging`. */
  environments?: EnvironmentMarkers[];
  /**
   * The environments come from the project the agent works in (a hook's `./scopes`), not from its operator: they may
   * add environments and markers to the defaults, never hide what the defaults see (environment.ts, projectEnvironments).
   */
  environmentsFromProject?: boolean;
  /**
   * When the rules must have finished reading (milliseconds since the epoch): a hook's agent stops waiting for it.
   * A command not read to the end by then is asked about.
   */
  deadline?: number;
  /**
   * The files on the machine where the command will run, for the scripts, package scripts and SQL files it runs: what
   * they hold is judged along with their names. Absent where the command is judged away from its machine.
   */
  projectFiles?: ProjectFiles;
}

/** Reads the files a command runs, from the directory it runs in. */
export interface ProjectFiles {
  /**
   * The text of the regular file `path` names (relative to the command's directory, `~` the user's home), or null
   * when there is none, it is not text, or it is larger than the guard reads. The same path reads the same object.
   */
  read(path: string): ProjectFile | null;
  /**
   * Where `path` leads on disk, the symbolic links on its way followed (the file's own too, when it exists), or null
   * when that cannot be told.
   */
  resolve(path: string): string | null;
}

export interface ProjectFile {
  /** Where the file was found, as shown in reasons. */
  readonly path: string;
  readonly text: string;
}

export interface Classification {
  destructive: boolean;
  decision: Decision;
  /** Implied actions in the catalogue's `resource:verb` style, e.g. `volume:delete`. */
  actions: string[];
  /** The environment the command points at, or "unknown". */
  environment: string;
  /** Why: decision codes first (`environment_mismatch: …`), then what the rules saw. */
  reasons: string[];
  /** The rules could not fully understand the command (parser failure, unknown tool with alarming words). */
  uncertain: boolean;
}

const DECISION_RANK: Record<Decision, number> = { allow: 0, ask: 1, deny: 2 };

/** The stricter of two decisions: deny over ask over allow. */
export function stricter(a: Decision, b: Decision): Decision {
  return DECISION_RANK[a] >= DECISION_RANK[b] ? a : b;
}
