// Properties: classify never throws, whatever it is given; the fast shell reader agrees with mvdan/sh on
// everything it accepts; the tolerant reader splits plain commands into the words mvdan/sh gives.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { registeredLanguageAnalysers, registerLanguageAnalysers } from "../../src/guard/analysis.ts";
import { classify, newAnalysis } from "../../src/guard/classify.ts";
import { analyzeShell } from "../../src/guard/shell/analyze-shell.ts";
import { HEREDOC_ENDS_EARLY } from "../../src/guard/shell/heredoc-in-substitution.ts";
import { BACKQUOTE_ENDS_ELSEWHERE } from "../../src/guard/shell/mvdan-backquotes.ts";
import { GLUED_HASH } from "../../src/guard/shell/mvdan-parse.ts";
import type { TraceEntry } from "../../src/guard/shell/runner.ts";

const DECISIONS = ["allow", "ask", "deny"];
const ACTION_NAME = /^[a-z][a-z0-9-]*:[a-z][a-z0-9-]*$/;

function wellFormed(command: string): void {
  const r = classify(command, { env: "staging" });
  expect(DECISIONS).toContain(r.decision);
  expect(typeof r.destructive).toBe("boolean");
  expect(typeof r.environment).toBe("string");
  for (const a of r.actions) expect(a).toMatch(ACTION_NAME);
  if (r.reasons.some((x) => x.startsWith("safety_net"))) expect(r.decision).toBe("deny");
  // A rule that threw is the guard's own failure, not an answer: classify() must not end there.
  expect(
    r.reasons.filter((x) => x.startsWith("guard_failure")),
    command,
  ).toEqual([]);
}

const SHELLISH = fc.constantFrom(
  "rm",
  "-rf",
  "/",
  "$(",
  ")",
  "`",
  "'",
  '"',
  "\\",
  "|",
  "||",
  "&&",
  ";",
  "&",
  ">",
  ">>",
  "<<",
  "EOF",
  "\n",
  "$X",
  "$" + "{X:-/}",
  "sh",
  "-c",
  "bash",
  "eval",
  "sudo",
  "env",
  "xargs",
  "base64",
  "-d",
  "echo",
  "psql",
  "DROP",
  "TABLE",
  "mutation",
  "{",
  "}",
  "(",
  "kubectl",
  "delete",
  "ns",
  "prod",
  "curl",
  "-X",
  "DELETE",
  "http://x/y",
  "aws",
  "s3",
  "rb",
  "if",
  "then",
  "fi",
  "for",
  "do",
  "done",
  "case",
  "in",
  "esac",
  "#",
  "!",
  "*",
  "~",
  "=",
  "X=1",
  "$'\\x72'",
  "<(",
  "$((",
  "))",
);

describe("classify never throws", () => {
  it("and the property notices when an analyser throws", () => {
    const real = registeredLanguageAnalysers()!;
    registerLanguageAnalysers({
      ...real,
      sql: () => {
        throw new Error("a broken rule");
      },
    });
    try {
      const r = classify("DROP TABLE users");
      expect(r.decision).toBe("ask");
      expect(() => wellFormed("DROP TABLE users")).toThrow();
    } finally {
      registerLanguageAnalysers(real);
    }
    expect(() => wellFormed("DROP TABLE users")).not.toThrow();
  });

  it("on arbitrary strings", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => wellFormed(s)),
      { numRuns: 1500 },
    );
  });

  it("on arbitrary unicode", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 120 }), (s) => wellFormed(s)),
      { numRuns: 500 },
    );
  });

  it("on arbitrary shell-ish token soup", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(SHELLISH, fc.string({ maxLength: 8 })), { maxLength: 30 }),
        fc.constantFrom(" ", "", "\n"),
        (tokens, sep) => wellFormed(tokens.join(sep)),
      ),
      { numRuns: 1500 },
    );
  });

  it("on SQL, GraphQL and HTTP-looking input", () => {
    const starts = fc.constantFrom(
      "SELECT ",
      "DELETE FROM ",
      "UPDATE x SET ",
      "mutation { ",
      "query { ",
      "DELETE /",
      "PUT /v1/",
      "DO $$ ",
      "WITH a AS (",
    );
    fc.assert(
      fc.property(starts, fc.string({ maxLength: 80 }), (a, b) => wellFormed(a + b)),
      { numRuns: 800 },
    );
  });
});

// Words and operators inside the fast reader's subset, mixing quotes, expansions and here-documents.
const WORD = fc.oneof(
  fc.stringMatching(/^[a-z0-9/._:@%+,-]{1,8}$/),
  fc.stringMatching(/^[a-z0-9 /*?-]{0,8}$/).map((s) => `'${s}'`),
  fc.stringMatching(/^[a-z0-9 /*-]{0,6}$/).map((s) => `"${s}$X"`),
  fc.stringMatching(/^[a-z0-9*?/]{1,6}$/),
  fc.constantFrom(
    "$X",
    "$" + "{HOME}",
    "$" + "{X:-/tmp}",
    "$" + "{TMPDIR:-/tmp}/b",
    "$" + "{UNSET-rm}",
    '"$' + '{Y:=a.b}"',
    "$" + "{EMPTY=-rf}",
    "$1",
    "\\*",
    "a\\ b",
    '"$(echo hi)"',
    "$(echo cm0gLXJmIC8= | base64 -d)",
    "`date`",
    "X=/srv",
    "Y=$X/z",
    "2>&1",
    ">/dev/null",
    "> out.txt",
    ">> log",
    "< in.txt",
    "{}",
    "a{b}",
    "$'\\x72m -rf'",
    "<<< 'DROP TABLE t'",
    // Arithmetic is an unknown number; beyond operands (numbers, names, parameters, substitutions) and binary operators
    // it is the full parser's.
    "$((1))",
    '"$((X + 1))"',
    "n$(($X*2))",
    "$((a<<2 | b))",
    "$((1--1))",
    "$((x = 1))",
    "$(( (1) ))",
    "$(( $(ls) - 1 ))",
    '"$(( $' + '{#X} + $1 ))"',
    "$(($(rm -rf /srv/a)))",
    "$(( $(( 1 )) ))",
    "$(( $(ls) ? 1 : 2 ))",
    "$(( A[1] * 2 ))",
    // A descriptor's digits before `<` or `>`, after a blank; glued to a word, the digits belong to it.
    "3< in.txt",
    "4>&1",
    "0<&3",
    "5<> /dev/null",
    "a2> err.txt",
    "# a comment",
    "$" + "{A[@]}",
    '"$' + '{A[@]}"',
    '"$' + '{X[*]}"',
    '"$@"',
    "$*",
  ),
);
// A `#` or a descriptor's digits glued to a quote, an expansion or a substitution are part of the word, though
// mvdan/sh takes them for a comment or a redirection's descriptor.
const GLUED_HASH_WORD = fc.constantFrom(
  '"q"2>out.txt',
  "$(ls)1>&2",
  "$" + "{X}0< in.txt",
  '"a"#b',
  "'q w'#$X",
  "$X#y",
  "$" + "{X}#/srv/a",
  '"$(echo hi)"#c',
  "$(ls)#x",
  "`date`#",
  "$'a'#b",
  'a"b"#c',
  '"a"#"b"',
  "$1#",
  '"$X"#$(rm -rf /srv/a)',
  "$((1))#c",
  '"$(date)"#$((1))',
  '"$X"3< <(echo DROP TABLE t)',
);
const GLUED_HASH_LINE = fc
  .tuple(
    fc.constantFrom("echo", "rm -rf", "kubectl delete ns", "X=", "{ echo", "(echo"),
    GLUED_HASH_WORD,
    fc.constantFrom(
      "",
      " -rf /srv/a",
      "; rm -rf $X",
      " | sh",
      " && rm -rf /srv/b",
      " # a real comment; rm x",
    ),
  )
  .map(([command, word, after]) =>
    command === "X="
      ? `X=${word}; echo $X${after}`
      : command === "{ echo"
        ? `{ echo ${word}; }${after}`
        : // After a subshell's `)`, as after a blank, a `#` starts a comment.
          command === "(echo"
          ? `(echo ${word})#${after}`
          : `${command} ${word}${after}`,
  );
const COMMAND = fc
  .tuple(
    fc.constantFrom("rm", "ls", "echo", "git", "psql", "sh", "cat", "kubectl", "xargs", "sudo", "env"),
    fc.array(WORD, { maxLength: 5 }),
  )
  .map(([name, words]) => [name, ...words].join(" "));
const HEREDOC = fc.constantFrom(
  "<<EOF\nDROP TABLE users;\nEOF",
  "<<'SQL'\nDELETE FROM t WHERE x = '$y';\nSQL",
  '<<"E"\nrm -rf /srv\nE',
  // Under a quoted delimiter a backslash is a plain character, a backslash-newline included.
  "<<'SQL'\nSELECT 1; -- \\\nDROP TABLE t;\nSQL",
  '<<"E"\nrm \\$X \\\\ \\" \\`\nE',
  // Under an unquoted one, a backslash-newline joins lines (also where bash then compares them with the delimiter),
  // and a backslash quotes only `$`, a backquote and `\`.
  "<<EOF\nSELECT 1; -- \\\nDROP TABLE t;\nEOF",
  '<<E\nrm \\$X \\\\ \\" \\` \\x a\\\\\nE',
  "<<E\nE\\\nx\nE",
  "<<E\nx \\\nE\nE",
  "<<E\nS\\\nE\nE",
);
const ALL_OF_A = '"$' + '{A[@]}"';
const ALL_OF_PARTS = "$" + "{parts[*]}";
// `NAME=(…)` with plain elements, alone or with other assignments, then the array used.
const ARRAY = fc
  .tuple(
    fc.constantFrom("A", "X", "parts"),
    fc.constantFrom("=", "+="),
    fc.array(
      fc.constantFrom(
        "rm",
        "-rf",
        "/srv/app",
        "'a b'",
        '"c d"',
        "*.log",
        "x=1",
        "'$(rm -rf /)'",
        "",
        "[0]=a",
        "[X]=",
        "[$X+1]='b c'",
        "[ 1 ]=x",
      ),
      { maxLength: 4 },
    ),
    fc.constantFrom("", " Y=2", " Z=(q)"),
  )
  .map(([name, op, items, after]) => `${name}${op}(${items.join(" ")})${after}`);
// A declaration builtin's words: assignments, bare names (which keep a known value), options (`-i` makes later
// assignments arithmetic) and words that are not assignments in the syntax (quoted, expanded, with a subscript).
const DECLARATION_ARG = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom("X", "Y", "A", "n"), fc.constantFrom("=", "+="), WORD) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      "X",
      "Y",
      "A",
      "n",
      "-i",
      "-x",
      "-r",
      "-ai",
      "+x",
      "--",
      "-gi",
      "-n",
      "-gn",
      "X=",
      "n=V",
      "Y+=",
    ),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "'a[$(rm -rf /srv/a)]=1'",
      '"n=$X"',
      "'n=V'",
      '"$X"',
      "$X",
      "X$Y",
      "X\\y",
      "'b[V]'",
      "1x=2",
      "a[0]=1",
      "a[$X]=1",
      "X=(1 2)",
      "}",
      "X*",
      "> out",
    ),
  },
);
const DECLARATION = fc
  .tuple(
    fc.constantFrom("export", "local", "readonly", "declare", "typeset"),
    fc.array(DECLARATION_ARG, { minLength: 1, maxLength: 3 }),
    COMMAND,
    fc.constantFrom("X", "Y", "A", "n"),
  )
  .map(
    ([builtin, args, command, name]) =>
      `V='b[$(rm -rf /srv/v)]'; ${builtin} ${args.map((a) => (typeof a === "string" ? a : a.join(""))).join(" ")}; ${command} $${name}; n=V`,
  );
// `NAME[index]=value` where a command starts, the index plain, an expansion or a substitution; other indexes
// (arithmetic, blanks, quotes), a command after it, or `NAME[index]` alone are refused or rejected by mvdan/sh.
const ELEMENT_INDEX = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom("0", "12", "i", "_k", "$X", "$" + "{X}", "$EMPTY", "`date`", '"$X"'),
  },
  { weight: 2, arbitrary: fc.constantFrom("i+1", " 1 ", "$1", "", '"k"', "$((1))", "$(ls)x", "$(ls) ") },
  { weight: 3, arbitrary: fc.constantFrom("rm -rf /srv/a", "echo 0", "ls").map((c) => `$(${c})`) },
  { weight: 1, arbitrary: fc.constantFrom("rm -rf /srv/a", "echo 0").map((c) => `"$(${c})"`) },
);
const ELEMENT = fc
  .tuple(
    fc.constantFrom("a", "X", "files"),
    ELEMENT_INDEX,
    fc.constantFrom("=", "=", "+=", ""),
    fc.oneof(WORD, fc.constant("")),
    fc.constantFrom("", "", " Y=2", " b[1]=x", " echo", " > out.txt", "; echo $a $X", "; rm $X", " && rm $X"),
  )
  .map(([name, index, op, value, after]) => `${name}[${index}]${op}${op ? value : ""}${after}`);
// `<(…)` and `>(…)` as words, as redirection targets, and glued to other text (which the fast reader refuses).
const PROCESS_SUBSTITUTION = fc
  .tuple(fc.constantFrom("<(", ">("), COMMAND)
  .map(([op, command]) => `${op}${command})`);
const PROCESS_LINE = fc
  .tuple(
    COMMAND,
    PROCESS_SUBSTITUTION,
    fc.constantFrom("", "", "< ", "> ", "2> ", "x", "$X", "2"),
    fc.constantFrom("", "", "", "x", ">out"),
  )
  .map(([command, substitution, before, after]) => `${command} ${before}${substitution}${after}`);
// Here-documents inside `$(…)`, `"$(…)"`, `<(…)` and `>(…)`: quoted and unquoted delimiters, two at once, a pipe
// or a command after one, a `)` in a body; some (an unquoted body that expands, `EOF)`, `<<-`) are refused.
const HEREDOC_COMMAND = fc.constantFrom(
  "cat <<EOF\nDROP TABLE invoices;\nEOF\n",
  "cat <<'SQL'\nDELETE FROM t WHERE x = '$y';\nSQL\n",
  'cat <<"E"\nrm -rf /srv )\nE\n',
  "cat <<EOF | base64 -d\ncm0gLXJmIC8=\nEOF\n",
  "cat <<A <<B\nSELECT 1;\nA\nTRUNCATE t;\nB\n",
  "cat <<EOF\nSELECT 1;\nEOF\necho done",
  "cat << EOF\n)\nEOF\n",
  "echo a\necho 'DROP TABLE t'",
  "cat <<EOF\n$HOME\nEOF\n",
  "cat <<EOF\nx\nEOF",
  "cat <<-EOF\n\tx\n\tEOF\n",
  "cat <<EOF\n# not a comment\nEOF\n",
  "cat <<'SQL'\nSELECT 1; -- \\\nDROP TABLE t;\nSQL\n",
  "cat <<SQL\nSELECT 1; -- \\\nDROP TABLE t;\nSQL\n",
  'cat <<E\nrm \\$X \\\\ \\" \\x\nE\n',
  // Near bash's early end of a document inside a substitution, but not it: read alike by both readers.
  "cat <<EOF\n EOF rm -rf /srv/a)\nEOF\n",
  "cat <<'E'\nE rm -rf /srv/a\nE\n",
  "cat <<EOF\nxEOF)\nEOF\n",
);
const HEREDOC_SUBSTITUTION = fc
  .tuple(fc.constantFrom("$(", "$(", "<(", "<(", '"$(', ">("), HEREDOC_COMMAND)
  .map(([open, command]) => `${open}${command})${open === '"$(' ? '"' : ""}`);
const HEREDOC_SUBSTITUTION_LINE = fc
  .tuple(
    fc.constantFrom(
      "psql -h db.internal app <",
      "psql",
      "echo",
      "mysql db <",
      "bash",
      "sh -c",
      "X=",
      "cat <<EOF",
    ),
    HEREDOC_SUBSTITUTION,
    fc.constantFrom("", "", " | sh", " && echo ok"),
  )
  .map(([command, substitution, after]) =>
    command === "X="
      ? `X=${substitution}; echo "$X"${after}`
      : command === "cat <<EOF"
        ? `cat <<EOF ${substitution}${after}\nbody\nEOF`
        : `${command} ${substitution}${after}`,
  );
// Parameter expansions the guard reads as an unknown `$NAME` (or a known value, for an operator's word) after running
// the substitutions inside: lengths, indirections, indexes, slices, replacements and operators, with and without
// `$(…)` inside (« stands for `$`); the last forms (nested `${…}`, arithmetic, `@Q`, quotes holding `}`, unterminated) are refused.
const PARAM_INNER = fc.constantFrom(
  "rm -rf /srv/a",
  "echo hi",
  "cat $X",
  "echo cm0gLXJmIC8= | base64 -d",
  "ls -d */",
);
const PARAM_SUBST = fc.oneof(
  PARAM_INNER.map((c) => `$(${c})`),
  PARAM_INNER.map((c) => `"$(${c})"`),
  PARAM_INNER.map((c) => `\`${c}\``),
  fc.constantFrom("a", "$X", "/", "*.log", "'q w'", '"x y"', "", "1"),
);
const PARAM_FORM = fc.constantFrom(
  "«{N[S]}",
  "«{N[0]}",
  "«{N[$X]}",
  "«{N[i]}",
  "«{#N}",
  "«{#N[@]}",
  "«{#N[0]}",
  "«{!N}",
  "«{!N[@]}",
  "«{N[@]:1}",
  "«{N:1}",
  "«{N:1:2}",
  "«{N:S}",
  "«{N:1:S}",
  "«{N:S:S}",
  "«{N/a/b}",
  "«{N//a/S}",
  "«{N/S/y}",
  "«{N/S}",
  "«{N/S/}",
  "«{N:+S}",
  "«{N:+a S b}",
  "«{N+S}",
  "«{N:?S}",
  "«{N?no value}",
  "«{N#S}",
  "«{N##*.}",
  "«{N%S}",
  "«{N%%S}",
  "«{N^^}",
  "«{N^S}",
  "«{N,}",
  "«{N,,S}",
  "«{N:+x$X}",
  "«{N[0]:-S}",
  "«{N[1]:=x}",
  "«{N[S]:+S}",
  '"«{N:+S}"',
  '"«{N/S/S}"',
  "x«{N/a/b}y",
  "«{N:-S}",
  "«{N=S}",
  "«{N:=x S}",
  "«{N:-}",
  "«{N=}",
  "«{N:+}",
  "«{N:-'q w'}",
  "\"«{N:-'default'}\"",
  "\"«{N:+'S'}\"",
  "«{N:+'S'}",
  '"«{N-"S"}"',
  "«{N[0]:+'S'}",
  "«{N:+$(echo '$(rm -rf /srv/a)')}",
  "«{N@Q}",
  "«{N:+«{X}}",
  "«{N:$((1))}",
  "«{N[1+1]}",
  "«{N: -1}",
  "«{!N*}",
  "«{#N:1}",
  "«{N:+'}'}",
  '«{N:+"}"}',
  "«{N:+a\\}b}",
  "«{N:+@(a)}",
  "«{N/#a/b}",
  "«{1:+S}",
  "«{N:+S",
  "«{N[S}",
);
const PARAM_WORD = fc
  .tuple(PARAM_FORM, fc.constantFrom("X", "EMPTY", "U", "a"), PARAM_SUBST, PARAM_SUBST)
  .map(([form, name, s1, s2]) =>
    form
      .replace(/«/g, "$")
      .replace(/N/g, name)
      .replace("S", () => s1)
      .replace("S", () => s2),
  );
// `[[ … ]]`: unary and binary tests, `!`, parentheses, `&&` and `||`, over operands that may hold `$(…)`; some items
// (`=~`, `<`, extended globs, stray operators) are ones the fast reader refuses.
const TEST_OPERAND = fc.oneof(
  { weight: 3, arbitrary: fc.stringMatching(/^[a-z0-9/._:@%+,*?-]{1,8}$/) },
  { weight: 1, arbitrary: fc.stringMatching(/^[a-z0-9 /*?-]{0,8}$/).map((s) => `'${s}'`) },
  { weight: 1, arbitrary: fc.stringMatching(/^[a-z0-9 /*-]{0,6}$/).map((s) => `"${s}$X"`) },
  { weight: 2, arbitrary: COMMAND.map((c) => `"$(${c})"`) },
  { weight: 2, arbitrary: COMMAND.map((c) => `$(${c})`) },
  { weight: 1, arbitrary: PARAM_WORD },
  { weight: 1, arbitrary: HEREDOC_SUBSTITUTION },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      "$X",
      "$" + "{X:-/tmp}",
      "$" + "{EMPTY:=rm}",
      '""',
      "''",
      "`date`",
      "$'\\x72m'",
      "*.[ch]",
      "a]]",
      "x=y",
      "-n",
      "==",
      "\\-n",
      "-\\n",
      '-n""',
      "{a,b}",
      "~/x",
      "a#b",
    ),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "!",
      "!x",
      "#x",
      "@(a|b)",
      "x(",
      "]]",
      "a&b",
      "a|b",
      "a;b",
      "<(ls)",
      "$((1))",
      "a\nb",
    ),
  },
);
const UNARY_TEST = fc.constantFrom(
  "-n",
  "-z",
  "-f",
  "-d",
  "-e",
  "-a",
  "-o",
  "-x",
  "-s",
  "-L",
  "-v",
  "-R",
  "-N",
  "-t",
);
const BINARY_TEST = fc.constantFrom("=", "==", "!=", "-eq", "-lt", "-nt", "-ef", "=~", "<", ">", "-a", "-o");
const { testExpression: TEST_EXPRESSION } = fc.letrec<{ testExpression: string; testPrimary: string }>(
  (tie) => ({
    testExpression: fc.oneof(
      { maxDepth: 3, depthIdentifier: "test" },
      { weight: 3, arbitrary: tie("testPrimary") },
      {
        weight: 1,
        arbitrary: fc
          .tuple(tie("testPrimary"), fc.constantFrom(" && ", " || ", "&&", "||"), tie("testExpression"))
          .map(([a, op, b]) => `${a}${op}${b}`),
      },
    ),
    testPrimary: fc.oneof(
      { maxDepth: 3, depthIdentifier: "test" },
      { weight: 3, arbitrary: fc.tuple(UNARY_TEST, TEST_OPERAND).map(([op, w]) => `${op} ${w}`) },
      {
        weight: 3,
        arbitrary: fc.tuple(TEST_OPERAND, BINARY_TEST, TEST_OPERAND).map(([a, op, b]) => `${a} ${op} ${b}`),
      },
      { weight: 2, arbitrary: TEST_OPERAND },
      { weight: 1, arbitrary: tie("testExpression").map((e) => `! ${e}`) },
      {
        weight: 1,
        arbitrary: fc
          .tuple(fc.constantFrom(["( ", " )"], ["(", ")"]), tie("testExpression"))
          .map(([[open, close], e]) => `${open}${e}${close}`),
      },
      { weight: 1, arbitrary: fc.tuple(TEST_OPERAND, TEST_OPERAND).map(([a, b]) => `${a} ${b}`) },
    ),
  }),
);
const TEST_CLAUSE = fc
  .tuple(
    fc.constantFrom("[[ ", "[[ ", "[[ ", "[[\t", "[["),
    TEST_EXPRESSION,
    fc.constantFrom(" ]]", " ]]", " ]]", "]]", " ]]]"),
  )
  .map(([open, e, close]) => `${open}${e}${close}`);
const TEST_LINE = fc
  .tuple(
    fc.constantFrom("", "", "", "", "echo x | ", "X=1 ", "time ", "echo "),
    TEST_CLAUSE,
    fc.constantFrom("", "", " > out.txt", " 2>&1", "x", " y"),
  )
  .map(([before, clause, after]) => `${before}${clause}${after}`);
// A variable whose value holds an array subscript (with a command substitution in it, or not), then read where bash
// evaluates it as arithmetic or reads it as a name: indexes, slices, `[[ … -eq … ]]`, `-v`, `${!…}`, builtins that
// take a name. Some (`let`, `((…))`, `$((…))`, `declare -i`, C-style `for`) are the full parser's.
const ARITHMETIC_VALUE = fc.constantFrom(
  "'b[$(rm -rf /srv/a)]'",
  "'b[`rm -rf /srv/a`]'",
  "'b[W]'",
  '"b[\\$(rm -rf /srv/a)]"',
  "'$(rm -rf /srv/a)'",
  "'b[1]'",
  "3",
  "W",
  "$(ls)",
  "$(echo 'b[$(rm -rf /srv/a)]')",
);
const ARITHMETIC_USE = fc.constantFrom(
  "a[$V]=1",
  "a[V]=1",
  'a["$V"]+=x',
  "echo $" + "{a[$V]}",
  "echo $" + "{a[V]}",
  '"$' + '{#a[V]}"',
  "echo $" + "{a[V]:-x} $" + "{a[V]/b/c}",
  "echo $" + "{s:V}",
  "echo $" + "{s:$V:V}",
  "echo $" + "{s:1:$(rm -rf /srv/b)}",
  "echo $" + "{!V}",
  "echo $" + "{!V[@]}",
  "[[ V -eq 0 ]]",
  "[[ $V -lt 1 && -n $X ]]",
  "[[ ( 1 -ne $V ) || $V == b ]]",
  "[[ -v $V ]]",
  "[[ -v V ]]",
  "read -r 'a[$(rm -rf /srv/a)]' <<< 1",
  'printf -v "$V" 1',
  'test "$V" -eq 0',
  'unset "$V"',
  "declare W=$V",
  "let V",
  "(( V ))",
  "echo $((V + 1))",
  "declare -i W=V",
  "for ((i=V; i<1; i++)); do :; done",
  "((V++)) && echo",
  "(( i = V + 1 )) > out",
  "for ((i=0;i<V;i++))\ndo echo $i; done",
  "for (( i = $V ; i < 3 ; ++i )) do rm -rf /srv/$i; done",
  'echo $[V * 2] "$[$V]"',
  "let W=V+1 'b[V]' i++",
  'let "V > 2" | cat',
  "let 'a[$(rm -rf /srv/a)]'",
  "echo $(( '$V' )) $[ 'V' ]",
  "(( '$(rm -rf /srv/a)' ))",
  "a=([V]=1 [$V]=x y)",
  "echo $(( $(echo $V) + V ))",
  "(( $(ls) > V )) || echo",
  "for ((i=$(ls); i<$V; i++)); do :; done",
  'echo "$(( $' + '{#V} * $V ))"',
  "x=$(( y = $(rm -rf /srv/b) + V ))",
  "echo $(( a[V] + a[$V] * a[$(ls)] ))",
  "(( a[V]++ )) || (( a[ V ] ))",
);
const ARITHMETIC = fc
  .tuple(
    ARITHMETIC_VALUE,
    ARITHMETIC_VALUE,
    fc.array(ARITHMETIC_USE, { minLength: 1, maxLength: 2 }),
    fc.constantFrom("; ", "\n", " && "),
  )
  .map(([w, v, uses, sep]) => `W=${w}${sep}V=${v}${sep}${uses.join(sep)}`);
// A nameref (`declare -n`, with other options, or `-n` given later to a variable) whose target is a plain name, a
// subscript with or without a command substitution, a value only known at run time or none yet, then used: read,
// assigned, given to builtins, looped over, pointed elsewhere; `export -n` only un-exports.
const NAMEREF = fc
  .tuple(
    fc.constantFrom(
      "declare -n",
      "typeset -n",
      "local -gn",
      "declare -in",
      "declare -n -r",
      "export -n",
      "declare",
    ),
    fc.constantFrom(
      "R=arr",
      "R='a[$(rm -rf /srv/a)]'",
      "R",
      "R=$X",
      "R=$U",
      "R=V",
      "R='b[W]'",
      'R="$V"',
      "'R=a[0]'",
      "R=",
    ),
    fc.array(
      fc.constantFrom(
        "R=1",
        "echo $R",
        "R+=x",
        "for R in arr 'a[$(rm -rf /srv/b)]' V; do echo $R; done",
        "for R in arr; do R=2; done",
        "read R <<< 1",
        "V='b[$(rm -rf /srv/c)]'",
        "W='c[$(rm -rf /srv/d)]'",
        "echo $((R))",
        "$R -rf /srv/e",
        "declare -n R=W",
        "declare -n R",
        "declare -i R",
        "R=V",
        "arr='rm -rf /srv/f'",
        "f() { local R; R=2; }; f",
        "f() { local -n R=W; R=3; }; f",
        "unset -n R",
      ),
      { minLength: 1, maxLength: 3 },
    ),
    fc.constantFrom("; ", "\n", " && "),
  )
  .map(([declaration, target, uses, sep]) => `V=arr${sep}${declaration} ${target}${sep}${uses.join(sep)}`);
const PARAM_LINE = fc
  .tuple(
    fc.constantFrom("echo", "rm", "sh -c", "Y=", "cat", "kubectl delete ns"),
    fc.array(fc.oneof(PARAM_WORD, WORD), { minLength: 1, maxLength: 3 }),
  )
  .map(([command, words]) =>
    command === "Y=" ? `Y=${words[0]} echo $Y ${words.slice(1).join(" ")}` : `${command} ${words.join(" ")}`,
  );
// A file written, then run, sourced or fed to an interpreter: both readers must hand the runner the same writes and
// reads, in the same order. A here-document writer ends its line itself.
const WRITER = fc.constantFrom(
  "echo 'rm -rf /srv/w' > w.sh",
  "printf 'rm %s' /srv/w >> ./w.sh",
  "cat > w.sh <<'EOF'\nrm -rf /srv/w\nEOF\n",
  "cat <<EOF >w.sh\nls $X\nEOF\n",
  "tee w.sh <<< 'ls' > /dev/null",
  "{ echo ls; } > w.sh",
  "echo ls | tee -a w.sh",
  "cp out.txt w.sh",
  "> w.sh",
  "echo 'rm -rf /srv/w' 2> w.sh",
);
const RUNNER = fc.constantFrom(
  "sh w.sh",
  ". ./w.sh",
  "source w.sh a",
  "./w.sh",
  "sh < w.sh",
  "cat w.sh | bash",
  "xargs -a w.sh rm",
  'eval "$(< w.sh)"',
  'bash -c "$(cat w.sh)"',
);
const WRITE_AND_RUN = fc
  .tuple(WRITER, fc.constantFrom("; ", " && ", "\n"), RUNNER)
  .map(([writer, sep, runner]) => `${writer}${writer.endsWith("\n") ? "" : sep}${runner}`);
// Variables set from text the guard may not know (`read`, `mapfile`, `printf -v`, `set --`, a substitution, a
// function's locals and arguments), then evaluated as arithmetic, read as a length, or run.
const SET_AND_USED = fc
  .tuple(
    fc.constantFrom(
      "read X < in.txt",
      "read -r X <<< 'b[1]'",
      "IFS=, read -r X Y <<< $X",
      "mapfile -t X < in.txt",
      "printf -v X '%s' $Y",
      "set -- $X 3; X=$1",
      "set -- a b; shift; X=$1",
      "X=$(nproc)",
      "X=$(ls | wc -l)",
      "X=$(cat in.txt)",
      "for X in $(cat in.txt); do :; done",
      "for X in *.log; do :; done",
      "declare -A X; read K < in.txt; X[$K]=1",
      "cat in.txt | while read X; do :; done",
      "f() { read X; }; f < in.txt",
      "f() { local X=$1; echo $((X)); }; f $X",
      "f() { X=$1; }; f $(cat in.txt)",
      'f() { "$@"; }; f rm -rf $X',
    ),
    fc.constantFrom(
      "echo $((X + 1))",
      "[[ $X -lt 2 ]]",
      "rm -rf $X",
      "echo $" + "{#X}",
      "a=(1); echo $" + "{a[X]}",
      "$X",
    ),
  )
  .map(([set, use]) => `${set}; ${use}`);
const LINE = fc.oneof(
  { weight: 4, arbitrary: COMMAND },
  { weight: 1, arbitrary: SET_AND_USED },
  { weight: 1, arbitrary: WRITE_AND_RUN },
  { weight: 1, arbitrary: DECLARATION },
  { weight: 1, arbitrary: ARRAY },
  { weight: 1, arbitrary: ARRAY.map((a) => `${a}; ${ALL_OF_A} ${ALL_OF_PARTS} -x`) },
  {
    weight: 1,
    arbitrary: COMMAND.map((c) => `read -ra A <<< "${c.replace(/["$`\\]/g, "")}"; ${ALL_OF_A}`),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom("psql", "sh", "cat", "mysql db"), HEREDOC)
      .map(([c, h]) => `${c} ${h}`),
  },
  { weight: 1, arbitrary: COMMAND.map((c) => `time ${c}`) },
  { weight: 1, arbitrary: COMMAND.map((c) => `${c} &`) },
  { weight: 2, arbitrary: PROCESS_LINE },
  { weight: 3, arbitrary: fc.tuple(TEST_LINE, COMMAND).map(([t, c]) => `${t} && ${c}`) },
  { weight: 2, arbitrary: TEST_LINE },
  { weight: 4, arbitrary: PARAM_LINE },
  { weight: 1, arbitrary: HEREDOC_SUBSTITUTION_LINE },
  { weight: 1, arbitrary: ELEMENT },
  { weight: 2, arbitrary: ARITHMETIC },
  { weight: 2, arbitrary: NAMEREF },
);
const BODY = fc
  .tuple(COMMAND, fc.array(fc.tuple(fc.constantFrom(" && ", "; ", " | ", "\n"), COMMAND), { maxLength: 2 }))
  .map(([first, rest]) => first + rest.map(([op, c]) => op + c).join(""));
const END = fc.constantFrom("; ", "\n", " &&\n", ";\n\n");
const AFTER = fc.constantFrom("", " > out.txt", " 2>&1", " < in.txt", " | sh", " >> $X/log");
// `case WORD in … esac`: patterns quoted, globbed, expanded or substituted, with or without `(` before them; the
// three terminators; an item's list empty, on the next line, or the last one without a terminator; newlines and
// comments between items. Some (extended globs, a newline in patterns, `esac|`, a word after `esac`) are refused.
const CASE_PATTERN = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.constantFrom(
      "a",
      "*",
      "*.log",
      "prod|staging",
      "[yY]*",
      "[!a]*",
      "'q w'",
      '"$X"',
      "$X",
      "$" + "{X:-/tmp}",
      "!a",
      "a!b",
      "-rf",
      "in",
      "esac",
      "case",
      "~/x",
      "a\\)b",
      "{a,b}",
      "a#b",
      "x=y",
      "`date`",
    ),
  },
  { weight: 2, arbitrary: COMMAND.map((c) => `$(${c})`) },
  { weight: 1, arbitrary: PARAM_WORD },
  { weight: 1, arbitrary: HEREDOC_SUBSTITUTION },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "@(a|b)",
      "!(a)",
      "[)]",
      "a b",
      "",
      "#c",
      "a&b",
      "a\nb",
      "<(ls)",
      "a(",
      "esac)",
    ),
  },
);
const CASE_PATTERNS = fc
  .tuple(
    fc.constantFrom("", "", "", "(", "( "),
    fc.array(CASE_PATTERN, { minLength: 1, maxLength: 2 }),
    fc.constantFrom("|", " | ", "|\t"),
    fc.constantFrom(")", ")", " )"),
  )
  .map(([open, patterns, bar, close]) => `${open}${patterns.join(bar)}${close}`);
const CASE_ITEM = fc
  .tuple(
    CASE_PATTERNS,
    fc.constantFrom(" ", " ", "\n    ", "", "\t", " # why\n  "),
    fc.option(BODY, { nil: "" }),
    fc.constantFrom(";;", ";;", ";;", " ;;", "\n;;", ";&", ";;&", "\n    ;;", "; ;;"),
    fc.constantFrom(" ", "\n", "\n\n  ", " # next\n", ""),
  )
  .map(([patterns, gap, body, end, between]) => `${patterns}${gap}${body}${end}${between}`);
const CASE_LAST_ITEM = fc
  .tuple(
    CASE_PATTERNS,
    fc.constantFrom(" ", "\n  "),
    BODY,
    fc.oneof({ weight: 6, arbitrary: fc.constantFrom("; ", "\n", ";\n") }, fc.constant(" ")),
  )
  .map(([patterns, gap, body, end]) => `${patterns}${gap}${body}${end}`);
const CASE_WORD = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom("x", "$X", '"$1"', "$EMPTY", '"$' + '{ENV:-dev}"', "`hostname`") },
  { weight: 2, arbitrary: COMMAND.map((c) => `"$(${c})"`) },
  { weight: 1, arbitrary: WORD },
  { weight: 1, arbitrary: PARAM_WORD },
  { weight: 1, arbitrary: HEREDOC_SUBSTITUTION },
);
const CASE = fc
  .tuple(
    CASE_WORD,
    fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom(" in ", " in\n", " in\n\n  ", " in # items\n") },
      { weight: 1, arbitrary: fc.constantFrom("\nin ", " in;") },
    ),
    fc.array(CASE_ITEM, { maxLength: 3 }),
    fc.option(CASE_LAST_ITEM, { nil: "" }),
    fc.oneof({ weight: 9, arbitrary: fc.constant("esac") }, fc.constantFrom("esac|cat", "esac x")),
    AFTER,
  )
  .map(
    ([word, open, items, last, esac, after]) => `case ${word}${open}${items.join("")}${last}${esac}${after}`,
  );
// A case clause inside another compound command, or around one.
const NESTED_CASE = fc
  .tuple(
    CASE,
    fc.constantFrom(
      "if [[ -n $X ]]; then ◊; fi",
      "if true; then echo; else ◊\nfi",
      "for f in a b; do ◊; done",
      "while read X; do ◊; done < in.txt",
      "f() { ◊; }; f x",
      "case $X in a) ◊;; *) echo;; esac",
      "case $X in a) ◊\nesac",
      "echo x | ◊",
      "◊ && rm -rf $X",
    ),
  )
  .map(([inner, outer]) => outer.replace("◊", () => inner));
// Values that depend on which way the line went: assigned in branches, items, `&&` and `||`, loops (with `break` and
// `continue`) and functions (with `return`), then expanded as a command, an argument, text a shell reads, arithmetic.
const CHOSEN_VALUE = fc.constantFrom(
  "ls",
  "'rm -rf /srv/app'",
  "/tmp/x",
  "'a[$(rm -rf /srv)]'",
  '"$X"',
  "$(ls)",
  "5",
  "'DROP TABLE t'",
);
const CHOSEN = fc
  .tuple(
    fc.constantFrom(
      "if test -f x; then C=◊; else C=◆; fi",
      "if test -f x; then C=◊; elif [[ -n $X ]]; then C=◆; fi",
      "test -f x && C=◊ || C=◆",
      "C=◊; [[ -f x ]] || C=◆",
      "case $X in a) C=◊;; *) C=◆;; esac",
      "case $X in a) C=◊;& b) C=◆;; esac",
      "for C in ◊ ◆; do :; done",
      "C=◊; while read -r l; do $C; C=◆; done < in.txt",
      "C=◊; for i in 1 2; do C=◆; test -f x && break; C=ls; done",
      "C=◊; for i in 1 2; do test -f x && continue; C=◆; done",
      "f() { C=◊; test -f x && return; C=◆; }; f",
      "C=◊; for ((i=0; i<2; i++)); do C=◆; done",
      "C=◊; until test -f x; do C=◆; done",
    ),
    CHOSEN_VALUE,
    CHOSEN_VALUE,
    fc.constantFrom(
      "$C",
      'rm -rf "$C"',
      "echo $((C))",
      'bash -c "$C"',
      "W=$C; $W",
      'sh <<< "$C"',
      'echo "$C" | sh',
      "cat $C.txt",
      "export W=$C; $W",
      'psql -c "$C"',
    ),
  )
  .map(([shape, a, b, use]) => `${shape.replace("◊", () => a).replace("◆", () => b)}; ${use}`);
// Text piped or redirected into a group, a subshell, a loop or a function: the commands inside that read stdin
// without a redirection of their own read it, the first whole, those after a reader what the guard cannot know.
const FED = fc
  .tuple(
    fc.constantFrom(
      "echo 'rm -rf /srv/app' | { ◊; }",
      "printf 'ls\\nDROP TABLE t\\n' | ( ◊ )",
      "{ ◊; } <<< 'rm -rf /srv/app'",
      "( ◊ ) < in.txt",
      "cat list | { ◊; }",
      "f() { ◊; }; echo 'DROP TABLE t' | f",
      "echo ls | while read -r l; do ◊; done",
      "echo 'rm -rf /srv/app' | if true; then ◊; fi",
    ),
    fc.array(
      fc.constantFrom(
        "sh",
        "psql",
        "read -r l",
        "cat",
        "$l",
        "cd /tmp",
        "sh < /dev/null",
        "head -c 2",
        "x=$(cat)",
      ),
      {
        minLength: 1,
        maxLength: 3,
      },
    ),
  )
  .map(([shape, commands]) => shape.replace("◊", () => commands.join("; ")));
const COMPOUND = fc.oneof(
  fc
    .tuple(BODY, END, BODY, END, fc.option(BODY), fc.option(fc.tuple(BODY, BODY)), AFTER)
    .map(
      ([cond, e1, then, e2, otherwise, elif, after]) =>
        `if ${cond}${e1}then ${then}${e2}${elif ? `elif ${elif[0]}; then ${elif[1]}; ` : ""}${otherwise ? `else ${otherwise}; ` : ""}fi${after}`,
    ),
  fc
    .tuple(fc.constantFrom("while", "until"), BODY, END, BODY, END, AFTER)
    .map(([kw, cond, e1, body, e2, after]) => `${kw} ${cond}${e1}do ${body}${e2}done${after}`),
  fc
    .tuple(fc.constantFrom("f", "X", "db"), fc.array(WORD, { maxLength: 3 }), END, BODY, END, AFTER)
    .map(
      ([name, items, e1, body, e2, after]) =>
        `for ${name} in ${items.join(" ")}${e1}do ${body} "$${name}" $${name}${e2}done${after}`,
    ),
  BODY.map((b) => `cat list | while read X; do ${b}; done`),
  fc
    .tuple(BODY, PROCESS_SUBSTITUTION)
    .map(([b, substitution]) => `while read X; do ${b}; done < ${substitution}`),
  fc
    .tuple(fc.constantFrom("if", "while", "until"), TEST_CLAUSE, END, BODY, END)
    .map(
      ([kw, clause, e1, body, e2]) =>
        `${kw} ${clause}${e1}${kw === "if" ? "then" : "do"} ${body}${e2}${kw === "if" ? "fi" : "done"}`,
    ),
  { weight: 3, arbitrary: CASE },
  { weight: 2, arbitrary: NESTED_CASE },
  { weight: 1, arbitrary: CHOSEN },
  { weight: 1, arbitrary: FED },
  fc
    .tuple(
      fc.constantFrom("f", "run", "X"),
      fc.option(DECLARATION, { nil: "" }),
      BODY,
      END,
      AFTER,
      fc.array(WORD, { maxLength: 3 }),
    )
    .map(
      ([name, declaration, body, end, after, args]) =>
        `${name}() { ${declaration ? `${declaration}; ` : ""}${body}${end}}${after}; ${name} ${args.join(" ")}`,
    ),
  // Groups and subshells, nested, with assignments inside (a subshell's are lost at its end) and a `#` after `)`.
  fc
    .tuple(
      fc.constantFrom(
        "{ ◊; }",
        "{\n◊\n}",
        "(◊)",
        "( ◊ )",
        "(◊;)",
        "(\n◊\n)",
        "( (◊) )",
        "{ (◊); }",
        "(◊)#c",
        "(if true; then ◊; fi)",
        "(case $X in a) ◊;; esac)",
        "case $X in a) (◊);; *) { ◊; };; esac",
        "f() { (◊); }; f",
        "echo $( (◊) )",
      ),
      fc.option(fc.constantFrom("X=/tmp", "X=/srv/app; cd $X", "unset X"), { nil: "" }),
      BODY,
      AFTER,
    )
    .map(
      ([shape, assign, body, after]) =>
        `${shape.replace("◊", () => (assign ? `${assign}; ${body}` : body))}${shape.endsWith("#c") ? "" : after}; rm -rf $X`,
    ),
);
const SCRIPT = fc
  .tuple(
    fc.oneof({ weight: 3, arbitrary: LINE }, { weight: 2, arbitrary: COMPOUND }),
    fc.array(
      fc.tuple(
        fc.constantFrom(" && ", " || ", "; ", " | ", "\n", " &&\n", "\n\n"),
        fc.oneof({ weight: 3, arbitrary: LINE }, { weight: 1, arbitrary: COMPOUND }),
      ),
      { maxLength: 3 },
    ),
    // Last, so that what mvdan/sh would take for a comment runs to the end of the text: it then parses.
    fc.option(GLUED_HASH_LINE, { nil: "", freq: 4 }),
  )
  .map(([first, rest, glued]) => first + rest.map(([op, c]) => op + c).join("") + (glued && `\n${glued}`));

function trace(
  script: string,
  parser: "simple" | "full" | "tolerant",
): { accepted: boolean; trace: TraceEntry[]; findings: unknown } {
  const an = newAnalysis();
  const entries: TraceEntry[] = [];
  const accepted = analyzeShell(
    script,
    an,
    new Map([
      ["X", { text: "/data", dynamic: false, glob: false }],
      ["EMPTY", { text: "", dynamic: false, glob: false }],
    ]),
    { parser, trace: entries },
  );
  return { accepted, trace: entries, findings: an.findings };
}

describe("the fast shell reader", () => {
  it("agrees with mvdan/sh on every script it accepts", () => {
    let accepted = 0;
    let compounds = 0;
    let arrays = 0;
    let functions = 0;
    let declarations = 0;
    let tests = 0;
    let processes = 0;
    let expansions = 0;
    let cases = 0;
    let heredocSubstitutions = 0;
    let elements = 0;
    let gluedHashes = 0;
    let groups = 0;
    let arithmetic = 0;
    let evaluatedNames = 0;
    let arithmeticCommands = 0;
    let declarationForms = 0;
    let namerefs = 0;
    let unquotedBackslashes = 0;
    let writtenRuns = 0;
    let setAndUsed = 0;
    let chosen = 0;
    let fed = 0;
    fc.assert(
      fc.property(SCRIPT, (script) => {
        const fast = trace(script, "simple");
        if (!fast.accepted) return;
        accepted++;
        if (/\b(fi|done)\b/.test(script)) compounds++;
        if (script.includes("=(")) arrays++;
        if (script.includes("() {")) functions++;
        if (/\b(export|local|readonly|declare|typeset) /.test(script)) declarations++;
        if (script.includes("[[")) tests++;
        if (/[<>]\(/.test(script)) processes++;
        if (/\$\{[#!]|\$\{\w+(\[\w|:\w|:\$|[/+?#%^,]|:[+?])/.test(script)) expansions++;
        if (/\besac\b/.test(script)) cases++;
        if (/\(cat <</.test(script)) heredocSubstitutions++;
        if (/(^|[;&|\n] *)\w+\[[^\]]*\]\+?=/.test(script)) elements++;
        if (/["'`}$]#|\)#/.test(script.slice(script.lastIndexOf("\n")))) gluedHashes++;
        if (/(^|[;&|\n] *)(\(|\{[ \n])/.test(script)) groups++;
        if (script.includes("$((")) arithmetic++;
        if (/<<E(OF)?\n[\s\S]*\\/.test(script)) unquotedBackslashes++;
        if (/w\.sh[\s\S]*w\.sh/.test(script)) writtenRuns++;
        if (/(read|mapfile)( -t| -r)? X |printf -v X|set -- |X=\$\((nproc|ls|cat)|\bf (\$|<|rm)/.test(script))
          setAndUsed++;
        if (/\bC=[^;]*; .*\bC=/.test(script)) chosen++;
        if (/\| (\{|\(|f$|while|if)|(\}|\)) (<<<|<) /.test(script)) fed++;
        if (/\[\$?V\]|:\$?V\b|\{!V|V -eq|-v \$?V/.test(script)) evaluatedNames++;
        if (/(^|[;&|\n] *|for )\(\(|\$\[|\blet /.test(script)) arithmeticCommands++;
        if (/\b(export|local|readonly|declare|typeset) ([-+]\w+ |'|"|\w+[ ;])/.test(script))
          declarationForms++;
        if (/\b(declare|typeset|local) -(\w*n|n -r)\b/.test(script)) namerefs++;
        const full = trace(script, "full");
        expect(fast.trace, script).toEqual(full.trace);
        expect(fast.findings, script).toEqual(full.findings);
      }),
      { numRuns: 6500 },
    );
    expect(accepted).toBeGreaterThan(800);
    expect(compounds).toBeGreaterThan(300);
    expect(arrays).toBeGreaterThan(200);
    expect(functions).toBeGreaterThan(80);
    expect(declarations).toBeGreaterThan(100);
    expect(tests).toBeGreaterThan(250);
    expect(processes).toBeGreaterThan(200);
    expect(expansions).toBeGreaterThan(150);
    expect(cases).toBeGreaterThan(180);
    expect(heredocSubstitutions).toBeGreaterThan(100);
    expect(elements).toBeGreaterThan(50);
    expect(gluedHashes).toBeGreaterThan(150);
    expect(groups).toBeGreaterThan(300);
    expect(arithmetic).toBeGreaterThan(200);
    expect(unquotedBackslashes).toBeGreaterThan(30);
    expect(evaluatedNames).toBeGreaterThan(80);
    expect(arithmeticCommands).toBeGreaterThan(40);
    expect(declarationForms).toBeGreaterThan(40);
    expect(namerefs).toBeGreaterThan(40);
    expect(writtenRuns).toBeGreaterThan(100);
    expect(setAndUsed).toBeGreaterThan(100);
    expect(chosen).toBeGreaterThan(50);
    expect(fed).toBeGreaterThan(50);
    // 6,500 scripts, each read by both readers: about 40 s alone on a 2-core machine, and twice that or more while
    // the rest of the suite runs beside it. The bound is there to end a hang, not to time the readers.
  }, 240_000);

  it("reads `[[ … ]]` tests and process substitutions itself", () => {
    for (const script of [
      "exec 3<>/dev/tcp/api.example.com/80; if [[ -n $TOKEN ]]; then printf 'DELETE /v1/users/7 HTTP/1.1\\r\\n' >&3; fi",
      "source <(kubectl completion bash)",
      "entr -c make test < <(ls src/*.c)",
      "while read f; do rm \"$f\"; done < <(find . -name '*.tmp')",
      "diff <(sort a) >(gzip > b.gz)",
      '[[ -f .env && ( -d build || ! -z "$(git push --force)" ) ]] > out',
      "[[ $(uname) == Darwin ]] || [[ -x `which jq` ]]",
      "echo $" + "{a[$(rm -rf /srv/a)]}",
      "echo $" + "{x/$(rm -rf /srv/a)/y}",
      "echo $" + "{x:1:$(rm -rf /srv/a)}",
      "echo $" + "{X:+/} $" + "{a[0]} $" + "{#a[@]} $" + "{!x} $" + "{x^^} $" + '{x%.*} "$' + '{x:?set x}"',
      "[[ -n $" + "{x:1:$(rm -rf /srv/a)} ]]",
      "echo $" + "{X:-$Y} $" + "{X:-*}",
      'echo "$' + "{x:+'$(rm -rf /srv/a)'}\" \"$" + "{x:-'default'}\" $" + "{X:-}",
    ]) {
      expect(trace(script, "simple").accepted, script).toBe(true);
    }
  });

  it("reads case clauses, here-documents inside substitutions, array elements' assignments, groups and subshells itself", () => {
    for (const script of [
      "case $1 in start) systemctl start app;; stop|halt) systemctl stop app;; *) echo usage;; esac",
      'case "$(uname)" in\n  (Darwin) brew install jq ;;\n  Linux)\n    apt-get install -y jq\n    ;;\nesac',
      "case $X in a) ls;& b) rm -rf /srv/b;;& *) echo; esac > out.txt",
      "case x in [yY]*|'q w'|$(rm -rf /srv/a)) ;; esac",
      "for f in *.log; do case $f in *.gz) ;; *) gzip $f;; esac; done",
      "if [[ -n $X ]]; then case $X in a) case $1 in b) rm x;; esac;; esac; fi",
      "f() { case $1 in -h) echo help;; esac; }; f -h",
      "psql -h db.internal app < <(cat <<EOF\nDROP TABLE invoices;\nEOF\n)",
      "echo \"$(cat <<'SQL'\nSELECT $1;\nSQL\n)\"",
      "mysql db < <(cat <<A <<B\nSELECT 1;\nA\nTRUNCATE t;\nB\n)",
      "a[$(rm -rf /srv/a)]=1; a[0]+=x b[$X]=y",
      "(cd /srv/app && rm -rf x) > out.txt; { rm y; } | cat",
      '{ echo "done"#; rm -rf /srv/app; }',
      "echo $USER#$((1)); kubectl delete namespace payments",
      "(echo done)#; rm -rf /srv/app",
      "psql app <<SQL\nSELECT 1; -- \\\nDROP TABLE t;\nSQL\n",
      'psql "$DB"3< <(echo DROP TABLE t) 4>&1 5<> /dev/null',
    ]) {
      expect(trace(script, "simple").accepted, script).toBe(true);
    }
  });

  it("evaluates indexes, slices' bounds, `$((…))` (substitutions in it too), `[[ … -eq … ]]`, `-v` and `let` itself", () => {
    for (const script of [
      "x='b[$(rm -rf /srv/a)]'; a[$x]=1; a[x]=2; echo $" + "{a[$x]} $" + "{a[x]} $" + "{s:x:1} $" + "{!x}",
      "x='b[$(rm -rf /srv/a)]'; [[ x -eq 0 || -v $x ]]",
      "x='b[$(rm -rf /srv/a)]'; echo $((x + 1)) \"$(($x))\"",
      "read -r 'a[$(rm -rf /srv/a)]' <<< 1; printf -v 'a[$(rm -rf /srv/b)]' 1",
      "x='b[$(rm -rf /srv/a)]'; let x",
      "start=$(date +%s); make; echo $(( $(rm -rf /srv/a; date +%s) - start ))",
      "x='b[$(rm -rf /srv/a)]'; echo \"$(( $(echo 1) + $" + '{#x} + x ))"',
      "echo $(( $(rm -rf /srv/a) )); (( $1 > 2 )) && echo $(( n = $? ))",
      "for ((i=0; i<$(rm -rf /srv/a; nproc); i++)); do echo $i; done",
      "x='b[$(rm -rf /srv/a)]'; echo $(( a[x] + 1 ))",
    ]) {
      const fast = trace(script, "simple");
      expect(fast.accepted, script).toBe(true);
      expect(fast.findings, script).toEqual(trace(script, "full").findings);
      expect(JSON.stringify(fast.findings), script).toContain("/srv/a");
    }
  });

  it("reads a `<(…)`'s static output as the stdin of `cmd < <(…)`, as it reads a pipe, in both readers", () => {
    const stdinOf = (script: string, parser: "simple" | "full") => {
      const { accepted, trace: entries } = trace(script, parser);
      if (!accepted) return "refused";
      const psql = entries.find((e) => e.argv[0]?.text === "psql")!;
      return { stdin: psql.stdin, piped: psql.piped };
    };
    const cases: [string, string | null][] = [
      ["psql < <(echo 'DROP TABLE users')", "DROP TABLE users\n"],
      ["psql 0< <(printf 'TRUNCATE t')", "TRUNCATE t"],
      ["psql < <(echo cm0gLXJmIC8= | base64 -d)", "rm -rf /"],
      // Unknown output, another descriptor, a `>(…)` (its commands' input), or two commands: a pipe as before.
      ["psql < <(ls)", null],
      ["psql 3< <(echo 'DROP TABLE users')", null],
      ["psql < >(echo 'DROP TABLE users')", null],
      ["psql < <(echo a; echo b)", null],
      ["psql < <(echo 'DROP TABLE users') < in.sql", null],
      // A here-document inside the substitution: its body is what `cat` writes.
      ["psql < <(cat <<EOF\nDROP TABLE t;\nEOF\n)", "DROP TABLE t;\n"],
      ["psql < <(cat <<'SQL'\nDELETE FROM t WHERE id = '$1';\nSQL\n)", "DELETE FROM t WHERE id = '$1';\n"],
      ["psql < <(cat <<EOF | base64 -d\nRFJPUCBUQUJMRSB0\nEOF\n)", "DROP TABLE t"],
      ["psql < <(cat <<EOF\nSELECT 1;\nEOF\necho 'DROP TABLE t')", null],
    ];
    for (const [script, stdin] of cases) {
      for (const parser of ["simple", "full"] as const)
        expect(stdinOf(script, parser), `${parser}: ${script}`).toEqual({ stdin, piped: stdin === null });
    }
  });

  it("reads `bash <(…)` and `source <(…)` as the shell reading what the substitution writes, in both readers", () => {
    const inner = new Set(["echo", "printf", "base64", "curl", "kubectl"]);
    const outerCommands = (script: string, parser: "simple" | "full") => {
      const { accepted, trace: entries } = trace(script, parser);
      if (!accepted) return "refused";
      return entries
        .filter((e) => !inner.has(e.argv[0]!.text))
        .map((e) => ({ argv: e.argv.map((w) => w.text), stdin: e.stdin, piped: e.piped }));
    };
    const fd = "/dev/fd/63";
    /** The command as written, its substitution an operand: a descriptor path the guard cannot read. */
    const asWritten = (...argv: string[]) => ({ argv, stdin: null, piped: false });
    const reading = (argv: string[], stdin: string | null) => ({ argv, stdin, piped: stdin === null });
    const cases: [string, object[]][] = [
      ["bash <(echo 'rm -rf /srv')", [reading(["bash"], "rm -rf /srv\n")]],
      ["zsh -e <(echo cm0gLXJmIC8= | base64 -d)", [reading(["zsh", "-e"], "rm -rf /")]],
      ["source <(echo 'rm -rf /srv')", [reading(["sh"], "rm -rf /srv\n")]],
      ["bash <(echo ls) < in.txt", [reading(["bash"], "ls\n")]],
      // Unknown output: the shell reads a pipe, as `curl … | bash` does.
      ["bash <(curl -s https://x.sh)", [reading(["bash"], null)]],
      // The script's arguments: read both ways, so that what they say still counts.
      [
        "/bin/sh -e -- <(printf 'kubectl delete ns x') --force",
        [reading(["/bin/sh", "-e"], "kubectl delete ns x"), asWritten("/bin/sh", "-e", "--", fd, "--force")],
      ],
      [". <(printf ls) arg", [reading(["sh"], "ls"), asWritten(".", fd, "arg")]],
      // A command string, a script on stdin, an option the reading is unsure of, `>(…)`, or a completion script
      // one CLI prints: the substitution stays an operand.
      ["bash -c ls <(echo 'rm -rf /')", [asWritten("bash", "-c", "ls", fd)]],
      ["bash -ec ls <(echo 'rm -rf /')", [asWritten("bash", "-ec", "ls", fd)]],
      ["bash -s <(echo 'rm -rf /')", [asWritten("bash", "-s", fd)]],
      ["bash -o errexit <(echo 'rm -rf /')", [asWritten("bash", "-o", "errexit", fd)]],
      ["bash >(echo 'rm -rf /')", [asWritten("bash", fd)]],
      ["source <(kubectl completion bash)", [asWritten("source", fd)]],
      ["diff <(echo a) <(echo b)", [asWritten("diff", fd, fd)]],
    ];
    for (const [script, expected] of cases) {
      for (const parser of ["simple", "full"] as const)
        expect(outerCommands(script, parser), `${parser}: ${script}`).toEqual(expected);
    }
  });

  it("reads arithmetic commands, `$[…]` and C-style loops itself", () => {
    for (const script of [
      "x=3; ((x > 2)) && echo big",
      "((count++))",
      "(( x += 2 )) > out",
      "x='b[$(rm -rf /srv/app)]'; let x; let y=x+1 'b[$(rm -rf /srv/app)]'",
      "echo $(( '$(rm -rf /srv/app)' ))",
      "x='b[$(rm -rf /srv/app)]'; ((x)); echo $[x]",
      "for ((i=0; i<3; i++)); do echo $i; done",
      "for (( i = x ; i < 3 ; ++i )) do rm -rf /srv/$i; done",
    ]) {
      expect(trace(script, "simple").accepted, script).toBe(true);
      expect(trace(script, "simple").trace, script).toEqual(trace(script, "full").trace);
    }
  });

  it("reads declarations with bare names, options and quoted words itself", () => {
    for (const script of [
      'X="rm -rf /srv/app"; export X; $X',
      "x='b[$(rm -rf /srv/app)]'; declare -i y=x",
      "x='b[$(rm -rf /srv/app)]'; declare -i y; y=$x",
      "x='b[$(rm -rf /srv/app)]'; f() { local -i n=x; }; f",
      "declare 'a[$(rm -rf /srv/app)]=1'",
      "export -x X=1 Y=2 Z",
    ]) {
      expect(trace(script, "simple").accepted, script).toBe(true);
      expect(trace(script, "simple").trace, script).toEqual(trace(script, "full").trace);
    }
  });

  it("hands anything outside its subset to the full parser", () => {
    for (const script of [
      "if true then rm -rf /x; fi",
      "if true; then rm -rf /x; fi extra",
      "for ((i = 0; i < 3; i++)) { rm $i; }",
      "for ((i = 0; i < 3)); do rm $i; done",
      "echo for ((x))",
      "for x in a b do rm $x; done",
      "case x\nin a) rm y;; esac",
      "case x in !(a)) rm y;; esac",
      "case x in a) rm y;; esac | cat; case x in esac|cat",
      "case x in a) time ;; esac",
      "case x in a) rm y;; esac x",
      "case x in a) case y in b) rm z;; esac esac",
      "case x in a) rm y",
      "case x in a) rm y;;",
      "echo x;; rm y",
      "a[i+1]=1",
      "a[x]",
      "a[0]=1 rm y",
      "export a[0]=1",
      "echo $(cat <<EOF\nx\nEOF)",
      "echo $(cat <<EOF\nEOF rm -rf /srv/a)\nEOF\n)",
      "cat <(cat <<'E'\nE)\nE\n)",
      'echo "$(cat <<EOF\nEOFx (y)\nEOF\n)"',
      "echo $(cat <<EOF\n$HOME\nEOF\n)",
      "echo $" + "{x:+$(echo '$(rm -rf /srv/a)')}",
      "if true; then; fi",
      "time if true; then rm x; fi",
      "cat <<EOF\n$HOME\nEOF",
      "cat <<-EOF\n\tx\n\tEOF",
      "cat <<EOF\nunterminated",
      "( )",
      "(rm x) y",
      "(rm x",
      "rm x)",
      "((x ? 1 : 2)) && rm y",
      "let",
      "let x > out",
      "let x = 1",
      'let "$x"',
      "echo $(( 'a' + 1 ))",
      "((x = -1))",
      "((x)))",
      "((x))y",
      "time ((x))",
      "X=1 ((x))",
      "echo $[x",
      "echo $[(x)]",
      "time (rm x)",
      "X=1 (rm x)",
      "(rm x |)",
      "(case x in a) rm y;; esac",
      "(case x in a) rm y)",
      "case x in a) (rm y;; esac)",
      "(cat <<EOF)\nx\nEOF\n",
      "echo $((1--1)) $((x = 1))",
      "cat <<E\nx \\\nE\nE\n",
      "a |& b",
      "a &&",
      "f() ( rm x )",
      "f () { :; }",
      "function f { :; }",
      "f() { }",
      "f() { rm x }",
      "if() { :; }",
      "{ rm x }",
      "{ }",
      "{ rm x; } y",
      "a=(x) ls",
      "a=(x)y",
      "a=($(rm -rf /))",
      'a=("$X")',
      "a=(x\ny)",
      "a=([ 0 ]=x)",
      "a=(['x']=1)",
      "echo a=(x)",
      "export",
      "export X=1 > out",
      'export X=1 "$Y"',
      "declare \\X=1",
      "declare 1x=2",
      "declare a[0]=1",
      "export X }",
      "local X=(a)",
      "Y=1 export X=1",
      "time export X=1",
      "cat x | export X=1",
      "[[ ]]",
      "[[ -n ]]",
      "[[ -n x",
      "[[ -n x ]",
      "[[ a b ]]",
      '[[ -n"" x ]]',
      "[[ a == b == c ]]",
      "[[ ( a ) == b ]]",
      "[[ -n a == b ]]",
      "[[ ! ]]",
      "[[ !x ]]",
      "[[ a\n]]",
      "[[ a && ]]",
      "[[ ( a ]]",
      "[[ a ) ]]",
      "[[ $x =~ ^a ]]",
      "[[ $x =~ (a|b) ]]",
      "[[ a < b ]]",
      "[[ a > b ]]",
      "[[ $x == @(a|b) ]]",
      "[[ -n x # comment ]]",
      "[[ -n x ]] y",
      "[[ -n x ]]y",
      "time [[ -n x ]]",
      "X=1 [[ -n x ]]",
      "[[ -n x ]] && [[ -n ]]",
      "cat a<(ls)",
      "cat <(ls)x",
      "cat 2<(ls)",
      "X=<(ls)",
      "cat <(ls",
      "cat <(ls)>out",
      "cat <(case x in a) rm y;; esac)",
      "echo $" + "{x@Q}",
      "echo $" + "{x:+$" + "{y}}",
      "echo $" + "{x:$((1))}",
      "echo $" + "{a[1+1]}",
      "echo $" + "{x:+'}'}",
      "echo $" + "{x:+a",
      "echo $" + "{a[$(ls)}",
      "echo $" + "{!x*}",
      "echo $" + "{#x:1}",
      "echo $" + "{1:+a}",
    ]) {
      expect(trace(script, "simple").accepted, script).toBe(false);
    }
  });
});

// Plain words the tolerant reader splits as a shell would: bare, single- and double-quoted (no expansions, no
// operators or glob characters inside quotes), and backslash escapes; joined by && || ; and newlines.
const PLAIN_WORD = fc.oneof(
  fc.stringMatching(/^[a-z0-9/._:@%+,-]{1,8}$/),
  fc.stringMatching(/^[a-z0-9/*?.-]{1,6}$/),
  fc.stringMatching(/^[a-z0-9 /.-]{0,8}$/).map((s) => `'${s}'`),
  fc.stringMatching(/^[a-z0-9 /.-]{0,8}$/).map((s) => `"${s}"`),
  fc.stringMatching(/^[a-z0-9]{1,4}$/).map((s) => `${s}\\ ${s}`),
  fc.constantFrom(
    "-rf",
    "/",
    "/srv/data",
    "ns",
    "prod",
    "TABLE",
    "users",
    "--force",
    "s3://b",
    "--recursive",
  ),
);
const PLAIN_COMMAND = fc
  .tuple(
    fc.constantFrom(
      "rm",
      "ls",
      "echo",
      "git",
      "kubectl",
      "aws",
      "docker",
      "sudo",
      "psql",
      "dropdb",
      "redis-cli",
    ),
    fc.array(PLAIN_WORD, { maxLength: 5 }),
  )
  .map(([name, words]) => [name, ...words].join(" "));
const PLAIN_SCRIPT = fc
  .tuple(
    PLAIN_COMMAND,
    fc.array(fc.tuple(fc.constantFrom(" && ", " || ", "; ", "\n"), PLAIN_COMMAND), { maxLength: 3 }),
  )
  .map(([first, rest]) => first + rest.map(([op, c]) => op + c).join(""));

/** The tolerant reader's own notes: that it was used, and its guess from alarming words. */
const TOLERANT_NOTE = /^(does not parse as shell|unparseable command contains)/;

// Inside `$(…)`, `<(…)` or `>(…)`, bash ends a here-document at a body line that starts with the delimiter and holds a
// `)`, and runs the rest of the line: such documents, whatever the quoting, the nesting or the lines around.
const EARLY_END = fc
  .tuple(
    fc.constantFrom("echo $(", 'echo "$(', "cat <(", "psql < <(", "X=$(", "echo $(echo $(", "tee >("),
    fc.constantFrom(["EOF", "EOF"], ["'EOF'", "EOF"], ['"SQL"', "SQL"], ["E", "E"]),
    fc.constantFrom("", "SELECT 1;\n", "a\nb )\n"),
    fc.constantFrom(")", " rm -rf /srv/a)", "rm -rf /srv/a)", " x (y)", "); echo", ":)"),
  )
  .map(([open, [written, delimiter], before, rest]) => {
    const close = open.endsWith('"$(') ? ')"' : open.endsWith("$(echo $(") ? "))" : ")";
    return `${open}cat <<${written}\n${before}${delimiter}${rest}\n${delimiter}\n${close}`;
  });

describe("files a line writes and then runs", () => {
  type Found = { destructive: boolean; uncertain?: boolean; reason: string };
  /** The findings of both readers, which must agree wherever the fast one reads the line. */
  const findings = (script: string): Found[] => {
    const full = trace(script, "full");
    const fast = trace(script, "simple");
    if (fast.accepted) expect(fast.findings, script).toEqual(full.findings);
    return full.findings as Found[];
  };
  const destructive = (script: string) => findings(script).some((f) => f.destructive);

  it("judges the text written as the code of whatever runs, sources or reads the file", () => {
    for (const script of [
      "echo 'rm -rf /srv/app' > /tmp/x.sh && bash /tmp/x.sh",
      "cat > cleanup.sh <<'EOF'\nrm -rf /srv/app\nEOF\nchmod +x cleanup.sh && ./cleanup.sh",
      "printf '%s\\n' 'rm -rf /srv/app' > x; sh x",
      "tee x.sh <<< 'rm -rf /srv/app'; bash x.sh",
      "echo 'rm -rf /srv/app' | sudo tee x.sh > /dev/null; bash x.sh",
      "echo 'rm -rf /srv/app' >> x.sh; bash x.sh",
      "echo 'echo start' > x.sh; echo 'rm -rf /srv/app' >> x.sh; bash x.sh",
      "echo 'rm -rf /srv/app' > a.sh; cp a.sh b.sh; bash b.sh",
      "echo 'rm -rf /srv/app' > a.sh; mv a.sh bin/; sh bin/a.sh",
      "echo 'rm -rf /srv/app' > a.sh; ln -s a.sh b; ./b",
      "echo 'rm -rf /srv/app' > x; source x",
      "echo 'rm -rf /srv/app' > x; . ./x",
      "echo 'rm -rf /srv/app' > x; bash -s < x",
      "echo 'rm -rf /srv/app' > x; cat x | sh",
      "echo 'rm -rf /srv/app' > x; eval \"$(< x)\"",
      "echo 'rm -rf /srv/app' > \"$TMPDIR/x\"; bash /tmp/x",
      "echo 'rm -rf /srv/app' > /tmp/x.sh; cd /tmp && bash x.sh",
      "echo 'rm -rf /srv/app' > x.sh; bash *.sh",
      "echo 'rm -rf /srv/app' > x; chmod +x x; exec ./x",
      "echo 'rm -rf /srv/app' > x; chmod +x x; env ./x",
      "echo 'rm -rf /srv/app' > x; chmod +x x; nohup ./x &",
      "echo 'rm -rf /srv/app' > x; xargs -a x -d '\\n' sh -c",
      "echo '/srv/app' > x; xargs -a x rm -rf",
      "sh -c \"echo 'rm -rf /srv/app' > x.sh\"; bash x.sh",
      "cat <<EOF > x.py\nimport shutil\nshutil.rmtree('/srv/app')\nEOF\npython3 x.py",
      "printf '#!/usr/bin/env python3\\nimport shutil\\nshutil.rmtree(\"/srv/app\")\\n' > x; chmod +x x; ./x",
      "echo 'DROP TABLE users;' > d.sql && psql -f d.sql",
      "echo 'DROP TABLE users;' > d.sql && mysql app < d.sql",
      "echo 'DROP TABLE users;' > d.sql && sqlite3 app.db < d.sql",
      "echo 'DROP TABLE users;' > d.sql && sqlite3 app.db '.read d.sql'",
      "echo 'DROP TABLE users;' > d.sql && mysql app -e 'source d.sql'",
      "echo 'DROP TABLE users;' > d.sql && psql -c '\\i d.sql'",
      "echo 'db.users.drop()' > d.js && mongosh app d.js",
      "printf 'all:\\n\\t@rm -rf /srv/app\\n' > Makefile && make",
      "printf 'X := $(shell rm -rf /srv/app)\\n' > x.mk && make -f x.mk",
      "echo 'rm -rf /srv/app' > job && at -f job now",
    ])
      expect(destructive(script), script).toBe(true);
  });

  it("reads a script named by the program's own stdin as that stdin", () => {
    for (const script of [
      ". /dev/stdin <<< 'rm -rf /srv/app'",
      "source /dev/fd/0 <<< 'rm -rf /srv/app'",
      ". /proc/self/fd/0 <<'EOF'\nrm -rf /srv/app\nEOF",
      "echo 'rm -rf /srv/app' | source /dev/stdin",
      "echo 'rm -rf /srv/app' | bash /dev/stdin",
      "echo 'import shutil; shutil.rmtree(\"/srv/app\")' | python3 /dev/stdin",
      "psql -f /dev/stdin <<< 'DROP TABLE users;'",
    ])
      expect(destructive(script), script).toBe(true);
  });

  it("keeps harmless writes-then-runs harmless, and a script the line did not write as it was", () => {
    for (const script of [
      "echo 'echo hi' > t.sh && sh t.sh",
      "cat > t.sql <<EOF\nSELECT 1;\nEOF\npsql -f t.sql",
      "cat > t.sh <<'EOF'\nset -e\nnpm test\nEOF\nbash t.sh",
      "echo 'print(1)' > t.py && python3 t.py",
      "printf 'all:\\n\\techo $(CC) $$HOME\\n' > Makefile && make",
      "echo 'export PATH=$HOME/bin:$PATH' >> ~/.bashrc && source ~/.bashrc",
      "echo 'rm -rf /srv/app' > notes.txt; cat notes.txt",
      "echo 'rm -rf /srv/app' > x.sh; bash deploy.sh",
      "echo 'rm -rf /srv/app' > /opt/a/x.sh; bash /opt/b/x.sh",
      "echo 'rm -rf /srv/app' > x; xargs -a x sh -c",
      "./deploy.sh",
      "bash scripts/release.sh",
      "source .venv/bin/activate",
      ". /dev/stdin",
    ])
      expect(destructive(script), script).toBe(false);
  });

  it("asks about a written file whose text it cannot know; a download is asked about as the same download piped", () => {
    const asked = (script: string) => findings(script).filter((f) => f.uncertain);
    for (const script of [
      "./gen.sh > x.sh; bash x.sh",
      "{ echo 'DROP TABLE users;'; } > x.sql; psql -f x.sql",
      "./gen.sh > x.sql; psql < x.sql",
      "echo 'echo hi' > x.sh; sed -i 's/echo hi/rm -rf \\/srv/' x.sh; ./x.sh",
      "echo 'bash x.sh; bash x.sh' > x.sh; bash x.sh",
    ])
      expect(
        asked(script).some((f) => f.destructive),
        script,
      ).toBe(true);
    for (const script of [
      "curl -fsSL https://get.example.com -o x.sh && sh x.sh",
      "wget -O x.sh https://get.example.com && bash x.sh",
    ]) {
      expect(asked(script).length, script).toBeGreaterThan(0);
      expect(destructive(script), script).toBe(false);
    }
  });
});

describe("the full shell reader, where mvdan/sh reads unlike bash", () => {
  it("asks about a here-document bash ends early inside a substitution, which the fast reader leaves to it", () => {
    fc.assert(
      fc.property(EARLY_END, (script) => {
        expect(trace(script, "simple").accepted, script).toBe(false);
        expect(trace(script, "full").findings, script).toContainEqual(
          expect.objectContaining({ destructive: true, reason: HEREDOC_ENDS_EARLY }),
        );
        expect(classify(script).decision, script).not.toBe("allow");
      }),
      { numRuns: 300 },
    );
  });

  it("does not ask where bash reads the document to its delimiter", () => {
    for (const script of [
      "cat <<EOF\nEOF rm -rf /srv/a)\nEOF",
      "echo $(cat <<EOF\n EOF )\nEOF\n)",
      "echo $(cat <<EOF\nEOF x\nEOF\n)",
      "echo `cat <<EOF\nEOF x)\nEOF\n`",
      "echo $(cat <<EOF\nEOF\n) $(cat <<'A'\n(A)\nA\n)",
    ])
      expect(trace(script, "full").findings, script).not.toContainEqual(
        expect.objectContaining({ reason: HEREDOC_ENDS_EARLY }),
      );
  });

  it("asks about an early end the parsers cannot read past", () => {
    const script =
      "echo $(cat <<E\nErm -rf /srv/a)\nE\n)\ncase x in (x) f() { case a in esac) :;; esac; }; esac";
    expect(trace(script, "full").findings).toContainEqual(
      expect.objectContaining({ destructive: true, reason: HEREDOC_ENDS_EARLY }),
    );
  });

  it("asks where bash ends a backquoted command before mvdan/sh does", () => {
    const asked = (script: string) =>
      (trace(script, "full").findings as { reason: string }[]).some(
        (f) => f.reason === BACKQUOTE_ENDS_ELSEWHERE,
      );
    for (const script of [
      "echo `cat <<'EOF'\nhi`\nrm -rf /srv/a\nEOF\n`",
      "echo `cat <<'EOF'\nhi`\nrm -rf /srv/a\nEOF",
      "echo `echo '`'`",
    ])
      expect(asked(script), script).toBe(true);
    for (const script of [
      "echo `cat <<'EOF'\nhi\nEOF\n`",
      "echo `echo \\`date\\`` `ls`",
      'echo "`date`" $(echo `ls`)',
      "echo `date",
    ])
      expect(asked(script), script).toBe(false);
  });

  it("reads a `#` glued to a quote, an expansion or a substitution as part of the word", () => {
    const words = (script: string) => trace(script, "full").trace.map((e) => e.argv.map((w) => w.text));
    expect(words('echo "a"#b; rm -rf /srv/a')).toEqual([
      ["echo", "a#b"],
      ["rm", "-rf", "/srv/a"],
    ]);
    expect(words("echo $X#$((1)); rm x")).toEqual([
      ["echo", "/data#0"],
      ["rm", "x"],
    ]);
    expect(words("echo $(echo)#c; rm x")).toEqual([["echo"], ["echo", "#c"], ["rm", "x"]]);
    expect(words("{ echo 'a'#; rm x; }")).toEqual([
      ["echo", "a#"],
      ["rm", "x"],
    ]);
    expect(words('echo "a"\\\n#b; rm x')).toEqual([
      ["echo", "a#b"],
      ["rm", "x"],
    ]);
    // Where a word ends, `#` starts a comment.
    expect(words("(echo a)#c; rm x")).toEqual([["echo", "a"]]);
    expect(words("echo a #c; rm x")).toEqual([["echo", "a"]]);
    expect(words("echo a\\\\\n#c; rm x")).toEqual([["echo", "a\\"]]);
    // Text mvdan/sh cannot parse even so is asked about.
    expect(trace('for f in "a"#b; do rm x; done', "full").findings).toContainEqual(
      expect.objectContaining({ destructive: true, reason: GLUED_HASH }),
    );
  });
});

describe("the tolerant shell reader", () => {
  it("reads plain commands as mvdan/sh does", () => {
    fc.assert(
      fc.property(PLAIN_SCRIPT, (script) => {
        const tolerant = trace(script, "tolerant");
        const full = trace(script, "full");
        expect(tolerant.trace, script).toEqual(full.trace);
        const own = (findings: unknown) =>
          (findings as { reason: string }[]).filter((f) => !TOLERANT_NOTE.test(f.reason));
        expect(own(tolerant.findings), script).toEqual(own(full.findings));
      }),
      { numRuns: 1000 },
    );
  });

  it("judges alarming words destructive when the tables found nothing", () => {
    const r = trace("frobnicate --purge everything", "tolerant");
    expect(r.findings).toEqual(
      expect.arrayContaining([expect.objectContaining({ destructive: true, uncertain: true })]),
    );
  });
});
