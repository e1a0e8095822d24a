// The plain YAML reader must be exact: whatever text it answers for, the `yaml` package reads without an error or a
// warning and to the same value; everything else is left to that package.
import { readdirSync, readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseDocument, stringify } from "yaml";
import { readPlainYaml } from "../../src/scopes/plain-yaml.ts";

/** The package's reading, as the broker reads scope files: unique keys, and any error or warning is a refusal. */
function byPackage(text: string): { value: unknown } | undefined {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0 || doc.warnings.length > 0) return undefined;
  return { value: doc.toJS({ maxAliasCount: 100 }) };
}

/** Agreement on one text; returns whether the plain reader took it. */
function agrees(text: string): boolean {
  const plain = readPlainYaml(text);
  if (plain === undefined) return false;
  expect(byPackage(text), `the yaml package refuses what the plain reader read:\n${text}`).toBeDefined();
  expect(plain.value, JSON.stringify(text)).toStrictEqual(byPackage(text)!.value);
  return true;
}

/** Words near YAML's rules: core-schema look-alikes, indicators, comments, quotes, colons. */
const TRICKY = [
  "",
  " ",
  "a b",
  "a  b",
  "true",
  "True",
  "FALSE",
  "yes",
  "null",
  "Null",
  "~",
  "1",
  "-0",
  "+12",
  "007",
  "0o17",
  "0o8",
  "0x1F",
  "0xg",
  "1e3",
  "-1.5E-2",
  ".5",
  "1.",
  "1.50",
  ".inf",
  "-.Inf",
  ".NaN",
  "nan",
  "1h",
  "10m",
  "a: b",
  "a:b",
  "a:",
  ":a",
  "a #b",
  "a#b",
  "#a",
  "- a",
  "-a",
  "-",
  "--context staging",
  "---",
  "...",
  "? a",
  "?a",
  "it's",
  "'q'",
  'say "hi"',
  '"',
  "x\\y",
  "[a]",
  "{a: 1}",
  "a,b",
  "a, b",
  "a]",
  "*a",
  "&a",
  "!a",
  "!!str",
  "|",
  ">",
  "%a",
  "@a",
  "`a",
  "postgres://staging-db.internal/**",
  "railway:prj_demo/env/staging/**",
  "RAILS_ENV=staging",
  "é",
  "😀",
  "\u00a0",
  "a\u00a0",
  "\u3000b",
  "a\tb",
  "a\nb",
  "\u2028",
];
const KEYS = [
  "name",
  "protected",
  "markers",
  "environments",
  "max_ttl",
  "a",
  "b",
  "volume:delete",
  "on-exceed",
  "x.y",
  "true",
  "null",
  "1",
  "a b",
  "__proto__",
  "-a",
  "é",
  "a:",
];

const scalar = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...TRICKY) },
  fc.string({ maxLength: 6 }),
  fc.string({ unit: "grapheme", maxLength: 4 }),
  fc.integer({ min: -20, max: 3000 }),
  fc.constantFrom(0.5, -0, 1e21, true, false, null),
);
const key = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...KEYS) }, fc.string({ maxLength: 5 }));
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalar,
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(key, tie("value"), { maxKeys: 4 }),
  ),
})).value;

/** Text the way people write it, scalars left unquoted even where that changes their meaning. */
type Style = { indent: number; seqIndent: number; quote: "none" | "single" | "double" | "mixed" };

function scalarText(v: unknown, style: Style, pick: () => number): string {
  if (typeof v !== "string") return String(v);
  const how = style.quote === "mixed" ? ["none", "single", "double"][pick() % 3] : style.quote;
  if (how === "single") return `'${v.replaceAll("'", "''")}'`;
  if (how === "double") return `"${v}"`;
  return v;
}

function flowText(v: unknown, style: Style, pick: () => number): string {
  if (Array.isArray(v)) return `[${v.map((x) => flowText(x, style, pick)).join(pick() % 2 ? ", " : ",")}]`;
  if (v && typeof v === "object")
    return `{ ${Object.entries(v)
      .map(([k, x]) => `${k}: ${flowText(x, style, pick)}`)
      .join(", ")} }`;
  return scalarText(v, style, pick);
}

function blockText(v: unknown, depth: number, style: Style, pick: () => number): string[] {
  const pad = " ".repeat(depth);
  const comment = () => (pick() % 5 === 0 ? "  # note" : pick() % 7 === 0 ? "   " : "");
  const nested = (x: unknown, at: number): string[] | string => {
    const isCollection = x !== null && typeof x === "object" && Object.keys(x).length > 0;
    if (!isCollection || pick() % 4 === 0) return ` ${flowText(x, style, pick)}${comment()}`;
    return blockText(x, at, style, pick);
  };
  if (Array.isArray(v)) {
    if (v.length === 0) return [`${pad}[]`];
    return v.flatMap((x) => {
      const inner = nested(x, depth + style.seqIndent);
      if (typeof inner === "string") return [`${pad}-${inner}`];
      // Compact: the first line of the item on the dash's line.
      if (pick() % 2 === 0) return [`${pad}-${comment()}`, ...inner];
      const first = inner[0]!.slice(depth + style.seqIndent);
      return [`${pad}-${" ".repeat(style.seqIndent - 1)}${first}`, ...inner.slice(1)];
    });
  }
  if (v && typeof v === "object") {
    if (Object.keys(v).length === 0) return [`${pad}{}`];
    return Object.entries(v).flatMap(([k, x]) => {
      const sameIndentSequence = Array.isArray(x) && x.length > 0 && pick() % 3 === 0;
      const inner = nested(x, sameIndentSequence ? depth : depth + style.indent);
      if (typeof inner === "string") return [`${pad}${k}:${inner}`];
      return [`${pad}${k}:${comment()}`, ...(pick() % 6 === 0 ? ["", `${pad}  # comment`] : []), ...inner];
    });
  }
  return [`${pad}${scalarText(v, style, pick)}`];
}

const style = fc.record({
  indent: fc.constantFrom(1, 2, 4),
  seqIndent: fc.constantFrom(1, 2, 3),
  quote: fc.constantFrom("none", "single", "double", "mixed"),
}) as fc.Arbitrary<Style>;

const handWritten = fc
  .tuple(value, style, fc.array(fc.nat(), { minLength: 1, maxLength: 64 }))
  .map(([v, s, picks]) => {
    let n = 0;
    const pick = () => picks[n++ % picks.length]!;
    return `${blockText(v, 0, s, pick).join("\n")}\n`;
  });

const byStringify = fc
  .tuple(
    value,
    fc.record({
      indent: fc.constantFrom(2, 4),
      indentSeq: fc.boolean(),
      collectionStyle: fc.constantFrom("any", "block", "flow"),
      defaultStringType: fc.constantFrom("PLAIN", "QUOTE_SINGLE", "QUOTE_DOUBLE"),
      flowCollectionPadding: fc.boolean(),
    }),
  )
  .map(([v, options]) => stringify(v, options as never));

/** A text with a few of YAML's significant characters inserted, deleted or replaced. */
const mutated = (texts: fc.Arbitrary<string>) =>
  fc
    .tuple(
      texts,
      fc.array(
        fc.tuple(
          fc.nat(),
          fc.nat(2),
          fc.constantFrom(
            " ",
            "  ",
            ":",
            "-",
            "#",
            "\n",
            "'",
            '"',
            "[",
            "]",
            "{",
            "}",
            ",",
            "&",
            "*",
            "!",
            "?",
          ),
        ),
        { minLength: 1, maxLength: 3 },
      ),
    )
    .map(([text, edits]) => {
      let out = text;
      for (const [at, kind, c] of edits) {
        const i = at % (out.length + 1);
        out =
          kind === 0
            ? out.slice(0, i) + c + out.slice(i)
            : out.slice(0, i) + (kind === 1 ? c : "") + out.slice(i + 1);
      }
      return out;
    });

describe("readPlainYaml", () => {
  it("reads hand-written YAML as the yaml package does, and takes most of it", () => {
    let taken = 0;
    let runs = 0;
    fc.assert(
      fc.property(handWritten, (text) => {
        runs++;
        if (agrees(text)) taken++;
      }),
      { numRuns: 4000 },
    );
    expect(taken / runs).toBeGreaterThan(0.3);
  });

  it("reads the yaml package's own output as the package does", () => {
    let taken = 0;
    let runs = 0;
    fc.assert(
      fc.property(byStringify, (text) => {
        runs++;
        if (agrees(text)) taken++;
      }),
      { numRuns: 3000 },
    );
    expect(taken / runs).toBeGreaterThan(0.3);
  });

  it("reads damaged YAML as the package does, or leaves it to the package", () => {
    fc.assert(
      fc.property(mutated(fc.oneof(handWritten, byStringify)), (text) => {
        agrees(text);
      }),
      { numRuns: 6000 },
    );
  });

  it("reads the example scopes directory, and agrees on the example configs", () => {
    const yamlFiles = (dir: string) =>
      readdirSync(new URL(`../../${dir}/`, import.meta.url))
        .filter((name) => name.endsWith(".yaml"))
        .map((name) => readFileSync(new URL(`../../${dir}/${name}`, import.meta.url), "utf8"));
    const scopes = yamlFiles("scopes");
    expect(scopes.length).toBeGreaterThan(3);
    for (const text of scopes) expect(agrees(text), text).toBe(true);
    for (const text of yamlFiles("examples")) agrees(text);
  });

  it("leaves what it does not read to the yaml package", () => {
    for (const text of [
      "a: &x 1\nb: *x\n",
      "a: !!str 1\n",
      "a: |\n  text\n",
      "a: >\n  text\n",
      "a: one\n  two\n",
      'a: "line\\n"\n',
      "a: 'one\n  two'\n",
      "---\na: 1\n",
      "a: 1\n...\n",
      "%YAML 1.2\n---\na: 1\n",
      "a:\n\tb: 1\n",
      "a: 1\r\nb: 2\r\n",
      "\ufeffa: 1\n",
      "a: [1,\n  2]\n",
      "a: [1, 2,]\n",
      "? a\n: b\n",
      '"a": 1\n',
      "a b: 1\n",
      "a: 1\na: 2\n",
      "true: 1\n",
      "a: b: c\n",
      "- a\nb: 1\n",
      "a:\n  - x\n - y\n",
    ]) {
      expect(readPlainYaml(text), JSON.stringify(text)).toBeUndefined();
    }
    expect(readPlainYaml("")).toEqual({ value: null });
    expect(readPlainYaml("# nothing\n\n")).toEqual({ value: null });
  });
});
