// The files a command line writes, and what it writes into them: a later command of the same line that runs, sources
// or feeds one of them (`echo 'rm -rf /srv' > x.sh && bash x.sh`) runs that text, which is judged as code.
import { normalizePath, resolveTempPrefix } from "./paths.ts";
import type { Word } from "./word.ts";

export interface WrittenFile {
  /** The file's text when the guard knows everything written into it; null when it cannot know it. */
  text: string | null;
  /** The command that wrote it, as written, for reasons. */
  by: string;
}

/** Devices and the kernel's files: writing there leaves no file behind for a later command to run. */
const NOT_A_FILE = /^\/(?:dev|proc|sys)\//;
const GLOB_CHARACTER = /[*?[]/;

const isAbsolute = (path: string) => path.startsWith("/");
const baseName = (path: string) => path.slice(path.lastIndexOf("/") + 1);

/** A path as the path rules compare it: `$TMPDIR/x` as `/tmp/x`, `./a/../x.sh` as `x.sh`. */
function pathKey(path: Word): string {
  return normalizePath(resolveTempPrefix(path).text).replace(/(.)\/+$/, "$1");
}

/**
 * A shell pattern (`*.sh`, `run-?.sql`, `run-[0-9].sh`) as a regular expression over one path; null when a bracket
 * expression is one the guard cannot read as the shell would (a range out of order, `[z-a]`).
 */
function globPattern(pattern: string): RegExp | null {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*") source += "[^/]*";
    else if (c === "?") source += "[^/]";
    else if (c === "[") {
      const end = pattern.indexOf("]", i + 2);
      if (end < 0) source += "\\[";
      else {
        const body = pattern.slice(i + 1, end);
        const negated = body.startsWith("!") || body.startsWith("^");
        // Inside the brackets only `-` keeps a meaning (a range); `[`, `]`, `^` and `\` are characters.
        source += `[${negated ? "^" : ""}${(negated ? body.slice(1) : body).replace(/[[\]^\\]/g, "\\$&")}]`;
        i = end;
      }
    } else source += c.replace(/[.+^${}()|[\]\\/]/g, "\\$&");
  }
  try {
    return new RegExp(`^${source}$`);
  } catch {
    return null;
  }
}

export class WrittenFiles {
  /** By path key, the latest write last. */
  private readonly files = new Map<string, WrittenFile>();
  /** Files whose text is being judged now: a script that runs itself is not followed round again. */
  private readonly running = new Set<WrittenFile>();

  /** `target` now holds `text` (null when the guard cannot know it), written by `by`; `append` adds to what was there. */
  write(target: Word, text: string | null, by: string, append = false): void {
    const key = pathKey(target);
    if (key === "" || NOT_A_FILE.test(key)) return;
    const before = append ? this.files.get(key) : undefined;
    // Appending to a file the line did not write adds to text that ran before the line anyway: what changes is
    // what is added.
    const unseen = before?.text === null || text === null;
    const file = unseen
      ? { text: null, by: text === null ? by : before!.by }
      : { text: (before?.text ?? "") + text, by };
    this.files.delete(key);
    this.files.set(key, file);
  }

  /** The files written so far, to come back to once one way the line may go has been read. */
  saved(): ReadonlyMap<string, WrittenFile> {
    return new Map(this.files);
  }

  restore(saved: ReadonlyMap<string, WrittenFile>): void {
    this.files.clear();
    for (const [key, file] of saved) this.files.set(key, file);
  }

  /**
   * Past several ways the line may have gone: a file they wrote with different texts holds text the guard cannot know;
   * one some of them wrote holds what they wrote.
   */
  join(ways: readonly ReadonlyMap<string, WrittenFile>[]): void {
    const joined = new Map<string, WrittenFile>();
    for (const way of ways)
      for (const [key, file] of way) {
        const other = joined.get(key);
        joined.set(
          key,
          other && other !== file && other.text !== file.text ? { text: null, by: file.by } : file,
        );
      }
    this.restore(joined);
  }

  /** `cp`, `mv`, `ln`, `install`: `to` (or, when it is a directory, the file of the same name in it) holds `from`'s text. */
  copy(from: Word, to: Word, intoDirectory: boolean): void {
    const found = this.locate(from);
    if (!found) return;
    const [key, source] = found;
    const inside = { ...to, text: `${to.text.replace(/\/+$/, "")}/${baseName(key)}` };
    this.write(inside, source.text, source.by);
    if (!intoDirectory && !to.text.endsWith("/")) this.write(to, source.text, source.by);
  }

  /** An edit in place (`sed -i`) of a file the line wrote: what it holds now is no longer known. */
  edit(path: Word, by: string): void {
    if (this.find(path)) this.write(path, null, by);
  }

  /**
   * The file the line wrote that `path` may name. The line may have changed directory, so a relative path names any
   * written file of the same name; two absolute paths name the same file only when equal.
   */
  find(path: Word): WrittenFile | undefined {
    return this.locate(path)?.[1];
  }

  private locate(path: Word): [string, WrittenFile] | undefined {
    if (this.files.size === 0) return undefined;
    const key = pathKey(path);
    const exact = this.files.get(key);
    if (exact) return [key, exact];
    const pattern = path.glob && GLOB_CHARACTER.test(key) ? globPattern(key) : undefined;
    // A pattern the guard cannot read may name any file the line wrote: the latest is judged.
    if (pattern === null) return [...this.files].at(-1);
    let found: [string, WrittenFile] | undefined;
    for (const entry of this.files) {
      const [written] = entry;
      if (pattern) {
        if (pattern.test(written)) found = entry;
      } else if (baseName(written) === baseName(key) && !(isAbsolute(written) && isAbsolute(key)))
        found = entry;
    }
    return found;
  }

  /**
   * Runs `judge` on a file's text unless that file is already being judged further up (a script that runs itself),
   * which returns false.
   */
  judging(file: WrittenFile, judge: () => void): boolean {
    if (this.running.has(file)) return false;
    this.running.add(file);
    try {
      judge();
    } finally {
      this.running.delete(file);
    }
    return true;
  }
}
