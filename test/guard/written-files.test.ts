// The files a command line writes: which later path names one, and what it then holds.
import { describe, expect, it } from "vitest";
import { literal, type Word } from "../../src/guard/word.ts";
import { WrittenFiles } from "../../src/guard/written-files.ts";

const word = (text: string, more: Partial<Word> = {}): Word => ({ ...literal(text), ...more });
const textOf = (files: WrittenFiles, path: string, more: Partial<Word> = {}) =>
  files.find(word(path, more))?.text;

describe("the files a line writes", () => {
  it("finds a file under the spellings of its path the shell would resolve alike", () => {
    const files = new WrittenFiles();
    files.write(word("./scripts/../x.sh"), "ls\n", "echo ls");
    files.write(word("$TMPDIR/y.sh", { dynamic: true }), "pwd\n", "echo pwd");
    expect(textOf(files, "x.sh")).toBe("ls\n");
    expect(textOf(files, "./x.sh")).toBe("ls\n");
    expect(textOf(files, "/tmp/y.sh")).toBe("pwd\n");
  });

  it("lets a relative path name a file of the same name anywhere (the line may change directory), but not two absolute ones", () => {
    const files = new WrittenFiles();
    files.write(word("/opt/a/x.sh"), "ls\n", "echo ls");
    expect(textOf(files, "x.sh")).toBe("ls\n");
    expect(textOf(files, "../a/x.sh")).toBe("ls\n");
    expect(textOf(files, "/opt/b/x.sh")).toBeUndefined();
    expect(textOf(files, "/opt/a/y.sh")).toBeUndefined();
  });

  it("matches a pattern against the files written", () => {
    const files = new WrittenFiles();
    files.write(word("run-1.sh"), "ls\n", "echo ls");
    expect(textOf(files, "run-?.sh", { glob: true })).toBe("ls\n");
    expect(textOf(files, "*.sql", { glob: true })).toBeUndefined();
    expect(textOf(files, "run-[0-9].sh", { glob: true })).toBe("ls\n");
    expect(textOf(files, "run-[!0-9].sh", { glob: true })).toBeUndefined();
  });

  it("reads brackets as the shell does, and takes a pattern it cannot read as naming the latest file written", () => {
    const files = new WrittenFiles();
    files.write(word("a]b"), "pwd\n", "echo pwd");
    expect(textOf(files, "a[]]b", { glob: true })).toBe("pwd\n");
    files.write(word("run.sh"), "ls\n", "echo ls");
    // A range out of order (`[` to `/`) is no regular expression: not a failure of the guard's, but unknown.
    expect(textOf(files, "[[-/data]]", { glob: true })).toBe("ls\n");
  });

  it("appends, and forgets the text once anything unknown is written into it", () => {
    const files = new WrittenFiles();
    files.write(word("x.sh"), "a\n", "echo a");
    files.write(word("x.sh"), "b\n", "echo b", true);
    expect(textOf(files, "x.sh")).toBe("a\nb\n");
    files.write(word("x.sh"), null, "./gen", true);
    expect(files.find(word("x.sh"))).toEqual({ text: null, by: "./gen" });
    files.write(word("x.sh"), "c\n", "echo c", true);
    expect(files.find(word("x.sh"))).toEqual({ text: null, by: "./gen" });
    // Appending to a file the line did not write: what is added is what changes.
    files.write(word("other.sh"), "d\n", "echo d", true);
    expect(textOf(files, "other.sh")).toBe("d\n");
  });

  it("copies into a file or into a directory, and an edit in place makes a written file unknown", () => {
    const files = new WrittenFiles();
    files.write(word("a.sh"), "ls\n", "echo ls");
    files.copy(word("a.sh"), word("b.sh"), false);
    files.copy(word("a.sh"), word("bin/"), false);
    files.copy(word("a.sh"), word("lib"), true);
    expect(textOf(files, "b.sh")).toBe("ls\n");
    expect(textOf(files, "bin/a.sh")).toBe("ls\n");
    expect(textOf(files, "lib/a.sh")).toBe("ls\n");
    files.copy(word("never-written.sh"), word("c.sh"), false);
    expect(files.find(word("c.sh"))).toBeUndefined();
    files.edit(word("b.sh"), "sed -i");
    expect(files.find(word("b.sh"))).toEqual({ text: null, by: "sed -i" });
    files.edit(word("deploy.sh"), "sed -i");
    expect(files.find(word("deploy.sh"))).toBeUndefined();
  });

  it("keeps no devices or kernel files", () => {
    const files = new WrittenFiles();
    files.write(word("/dev/null"), "ls\n", "echo ls");
    files.write(word("/proc/self/fd/1"), "ls\n", "echo ls");
    expect(files.find(word("/dev/null"))).toBeUndefined();
    expect(files.find(word("null"))).toBeUndefined();
  });

  it("follows a file's text once at a time: a script that runs itself is not followed again", () => {
    const files = new WrittenFiles();
    files.write(word("x.sh"), "bash x.sh\n", "echo");
    const file = files.find(word("x.sh"))!;
    let inner: boolean | undefined;
    expect(files.judging(file, () => (inner = files.judging(file, () => {})))).toBe(true);
    expect(inner).toBe(false);
  });
});
