// The accumulator every analyser writes into: findings, texts that may name an environment, and the nested analysers.
import type { ProjectFile, ProjectFiles } from "./types.ts";
import type { Word } from "./word.ts";
import { WrittenFiles } from "./written-files.ts";

export interface Finding {
  destructive: boolean;
  /** Destroys or disables a safety net: backups, snapshots, versioning, object lock, deletion protection, audit logs. */
  safetyNet?: boolean;
  action?: string;
  reason: string;
  /** The rules guessed; a model may be asked. */
  uncertain?: boolean;
}

export type SqlDialect = "postgres" | "mysql" | "sqlite";

/** PostgreSQL's `psql`, with the variables its command line sets (`-v name=value`), which its input interpolates. */
export interface PsqlClient {
  readonly name: "psql";
  readonly variables: ReadonlyMap<string, string>;
}

/**
 * The client that reads SQL text before the server does, where it runs commands of its own among the statements:
 * "mysql" is MySQL's and MariaDB's `mysql`, a PsqlClient psql. Other clients of a dialect are read as its server reads
 * the text.
 */
export type SqlClient = "mysql" | PsqlClient;

export interface HttpRequest {
  method: string;
  url: string;
  body?: string;
  /** True when the body came from a file or stdin the guard cannot see. */
  opaqueBody?: boolean;
  /** Header lines as sent (`Name: value`); some override the method. */
  headers?: readonly string[];
  /** True when some headers came from a file the guard cannot see. */
  opaqueHeaders?: boolean;
}

/** A call of an MCP server's tool, as an agent or a JSON-RPC request makes it. */
export interface ToolCall {
  /** As the agent names it: `mcp__postgres-prod__execute_sql`, or the tool's own name. */
  name: string;
  /** The tool's arguments, as JSON. */
  input: unknown;
}

export type CodeLanguage = "python" | "ruby" | "node" | "perl" | "php" | "mongo" | "lua";

/** Entry points back into the classifier for payloads found inside a command (`bash -c`, `psql -c`, `curl -d`…). */
export interface NestedAnalysers {
  /** A command as typed at a prompt: shell, SQL, GraphQL or a raw HTTP request, whichever it reads as. */
  command(text: string): void;
  shell(script: string, vars?: ReadonlyMap<string, Word>): void;
  sql(text: string, dialect?: SqlDialect, client?: SqlClient): void;
  graphql(query: string, variables?: unknown): void;
  http(request: HttpRequest): void;
  code(language: CodeLanguage, source: string): void;
  toolCall(call: ToolCall): void;
}

/** The language analysers, registered once by classify.ts (they import this module, so they cannot be imported here). */
export interface LanguageAnalysers {
  command(an: Analysis, text: string): void;
  shell(an: Analysis, script: string, vars?: ReadonlyMap<string, Word>): void;
  sql(an: Analysis, text: string, dialect?: SqlDialect, client?: SqlClient): void;
  graphql(an: Analysis, query: string, variables?: unknown): void;
  http(an: Analysis, request: HttpRequest): void;
  code(an: Analysis, language: CodeLanguage, source: string): void;
  toolCall(an: Analysis, call: ToolCall): void;
}

let languages: LanguageAnalysers | null = null;

export function registerLanguageAnalysers(analysers: LanguageAnalysers): void {
  languages = analysers;
}

/** The analysers in use (tests swap one for a failing one and put them back). */
export function registeredLanguageAnalysers(): LanguageAnalysers | null {
  return languages;
}

const MAX_DEPTH = 12;

export class Analysis implements NestedAnalysers {
  readonly findings: Finding[] = [];
  /** Decoded payloads and resolved values, scanned for environment markers along with the command itself. */
  readonly texts: string[] = [];
  depth = 0;
  /** Files the command line writes, for the commands after the write that run them. */
  readonly written = new WrittenFiles();
  /**
   * Nested payloads read and command words judged so far: a rule that hands a command's words on to another reading,
   * or judges them itself, has judged them even when it found nothing.
   */
  readings = 0;
  /** What was read from the project's files on disk for this command (a script, a package's script). */
  private readonly judgedOnDisk = new Set<string>();

  /** `projectFiles`: the files on the machine where the command runs, when it is judged there (a hook). */
  constructor(private readonly projectFiles?: ProjectFiles) {}

  /** Whether the files where the command runs can be read at all: rules that only read them stop early when not. */
  get seesProjectFiles(): boolean {
    return this.projectFiles !== undefined;
  }

  /** Where `path` leads on disk, links followed, where the command is judged on its machine; null elsewhere. */
  resolvedOnDisk(path: string): string | null {
    return this.projectFiles?.resolve(path) ?? null;
  }

  /** The file on disk that `path` names, where the command is judged on its machine; null elsewhere or when none. */
  projectFile(path: string): ProjectFile | null {
    return this.projectFiles?.read(path) ?? null;
  }

  /**
   * True the first time `what` (a file's path, a package script) is judged for this command: a script that runs
   * itself, or a file the command names twice, is read once.
   */
  firstReading(what: string): boolean {
    if (this.judgedOnDisk.has(what)) return false;
    this.judgedOnDisk.add(what);
    return true;
  }

  /** Where analysers send payloads they find: `an.nested.sql(…)`. */
  get nested(): NestedAnalysers {
    return this;
  }

  command(text: string): void {
    this.nest(() => languages!.command(this, text));
  }

  shell(script: string, vars?: ReadonlyMap<string, Word>): void {
    this.nest(() => languages!.shell(this, script, vars));
  }

  sql(text: string, dialect?: SqlDialect, client?: SqlClient): void {
    this.nest(() => languages!.sql(this, text, dialect, client));
  }

  graphql(query: string, variables?: unknown): void {
    this.nest(() => languages!.graphql(this, query, variables));
  }

  http(request: HttpRequest): void {
    this.nest(() => languages!.http(this, request));
  }

  code(language: CodeLanguage, source: string): void {
    this.nest(() => languages!.code(this, language, source));
  }

  toolCall(call: ToolCall): void {
    this.nest(() => languages!.toolCall(this, call));
  }

  add(finding: Finding): void {
    this.findings.push(finding);
  }

  destroys(reason: string, action?: string): void {
    this.findings.push({ destructive: true, reason, action });
  }

  /** Destroys or disables a safety net (denied everywhere). */
  destroysSafetyNet(reason: string, action?: string): void {
    this.findings.push({ destructive: true, safetyNet: true, reason, action });
  }

  harmless(reason: string, action?: string): void {
    this.findings.push({ destructive: false, reason, action });
  }

  uncertain(reason: string, destructive: boolean, action?: string): void {
    this.findings.push({ destructive, uncertain: true, reason, action });
  }

  /**
   * Findings since `from` that cannot happen after all (a transaction rolled back, a read-only session): their
   * destruction becomes a harmless note saying why. `which` limits it to the findings the reason applies to.
   */
  neutralise(from: number, why: string, which: (f: Finding) => boolean = () => true): void {
    for (let i = from; i < this.findings.length; i++) {
      const f = this.findings[i]!;
      if (f.destructive && which(f))
        this.findings[i] = { destructive: false, reason: `${why}: ${f.reason}`, action: f.action };
    }
  }

  /**
   * Runs `read` on text from a file on disk: what it finds destructive counts, what it is only unsure of (a command
   * named at run time, code it cannot read) becomes a note. The same command judged by its name alone raised no such
   * doubt, and a project's scripts are full of commands named at run time: reading one must add evidence, not doubt.
   * Nor does the file say which environment the command points at: a deploy script names every environment it can
   * deploy to, and runs one.
   */
  readOnDisk(read: () => void): void {
    const from = this.findings.length;
    const texts = this.texts.length;
    read();
    this.texts.length = texts;
    for (let i = from; i < this.findings.length; i++) {
      const f = this.findings[i]!;
      if (f.uncertain && !f.destructive)
        this.findings[i] = {
          destructive: false,
          reason: `${f.reason} (in a file on disk)`,
          action: f.action,
        };
    }
  }

  /** Records that a rule judged a command's words, whatever it found. */
  judgedWords(): void {
    this.readings++;
  }

  note(text: string): void {
    if (text) this.texts.push(text);
  }

  /** Runs a nested analysis one level deeper; past the limit the payload counts as uncertain and destructive. */
  nest(run: () => void): void {
    if (this.depth >= MAX_DEPTH) {
      this.uncertain("payloads nested too deeply to follow", true);
      return;
    }
    this.depth++;
    this.readings++;
    try {
      run();
    } finally {
      this.depth--;
    }
  }

  get destructive(): boolean {
    return this.findings.some((f) => f.destructive);
  }
}
