// Reads the plain YAML that configuration files are written in without loading a YAML library: an agent's hook reads
// environments.yaml before every command, and the `yaml` package costs such a short process a tenth of its CPU.

/**
 * What `readPlainYaml` makes of a text: its value, or `undefined` when the text uses YAML this reader does not read
 * (the caller then reads it with the `yaml` package, which also words any error).
 */
export type PlainYaml = { value: unknown } | undefined;

/**
 * The value of `text` as the `yaml` package reads it (YAML 1.2 core schema, unique keys), when `text` keeps to block
 * mappings and sequences, one-line flow collections, one-line plain or quoted scalars and comments; `undefined` for
 * anything else: anchors, aliases, tags, block scalars, scalars over several lines, escapes, documents markers,
 * tabs, and whatever is not valid YAML. test/scopes/plain-yaml.test.ts holds every answer to the package's.
 */
export function readPlainYaml(text: string): PlainYaml {
  if (!text.isWellFormed() || UNREAD_CHARACTERS.test(text)) return undefined;
  const lines: Line[] = [];
  for (const raw of text.split("\n")) {
    const body = trimSpacesStart(raw);
    if (body === "" || body.startsWith("#")) continue;
    const indent = raw.length - body.length;
    if (indent === 0 && DOCUMENT_MARKER.test(body)) return undefined;
    lines.push({ indent, text: trimSpacesEnd(body) });
  }
  if (lines.length === 0) return { value: null };
  const reader = new BlockReader(lines);
  try {
    const value = reader.node(lines[0]!.indent);
    return reader.done() ? { value } : undefined;
  } catch (error) {
    if (error instanceof NotPlain) return undefined;
    throw error;
  }
}

/** Tabs, carriage returns, other control characters and byte order marks: each has rules this reader leaves alone. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these characters are what the pattern finds.
const UNREAD_CHARACTERS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/;
const DOCUMENT_MARKER = /^(?:---|\.\.\.)(?: |$)|^%/;

/** A mapping key this reader takes: a plain word that the core schema reads as a string, with `:` only inside. */
const KEY = /^[A-Za-z_](?:[A-Za-z0-9_./-]|:(?=[A-Za-z0-9_./-]))*$/;
const FLOW_KEY = /[A-Za-z_](?:[A-Za-z0-9_./-]|:(?=[A-Za-z0-9_./-]))*/y;
const MAX_KEY_LENGTH = 1024;

/** Characters that may not start a plain scalar, or start one only where this reader does not follow. */
const PLAIN_START = /^(?:[,[\]{}#&*!|>'"%@`]|[-?:](?: |$))/;

/** YAML's white space is the space (tabs are not read here); String#trim would also take U+00A0 and the like. */
function trimSpacesStart(text: string): string {
  let start = 0;
  while (text.charCodeAt(start) === 32) start++;
  return text.slice(start);
}
function trimSpacesEnd(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 32) end--;
  return text.slice(0, end);
}

interface Line {
  indent: number;
  /** Without the indentation and trailing spaces. */
  text: string;
}

/** Thrown inside the reader when the text leaves the subset; the caller answers `undefined`. */
class NotPlain extends Error {}

function notPlain(): never {
  throw new NotPlain();
}

/** The core schema's reading of a plain scalar, in the order the `yaml` package tries its tags. */
function resolvePlain(text: string): unknown {
  if (/^(?:~|[Nn]ull|NULL)?$/.test(text)) return null;
  if (/^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/.test(text)) return text[0] === "t" || text[0] === "T";
  if (/^0o[0-7]+$/.test(text)) return Number.parseInt(text.slice(2), 8);
  if (/^[-+]?[0-9]+$/.test(text)) return Number.parseInt(text, 10);
  if (/^0x[0-9a-fA-F]+$/.test(text)) return Number.parseInt(text.slice(2), 16);
  if (/^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/.test(text)) {
    if (text.slice(-3).toLowerCase() === "nan") return Number.NaN;
    return text[0] === "-" ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  if (
    /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/.test(text) ||
    /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/.test(text)
  )
    return Number.parseFloat(text);
  return text;
}

/** A key as a mapping takes it: a string the core schema does not read as null or a boolean, once per mapping. */
function setKey(mapping: Record<string, unknown>, key: string, value: unknown): void {
  if (key.length > MAX_KEY_LENGTH || typeof resolvePlain(key) !== "string" || key === "__proto__") notPlain();
  if (Object.hasOwn(mapping, key)) notPlain();
  mapping[key] = value;
}

const isSequenceItem = (text: string) => text === "-" || text.startsWith("- ");

/** `key: rest` → the key and what follows it; null when the line holds no `: ` (so it is no mapping entry). */
function mappingEntry(text: string): { key: string; rest: string } | null {
  const colon = text.search(/:(?: |$)/);
  if (colon < 0) return null;
  const key = text.slice(0, colon);
  if (!KEY.test(key)) notPlain();
  return { key, rest: trimSpacesStart(text.slice(colon + 1)) };
}

class BlockReader {
  private at = 0;

  constructor(private readonly lines: Line[]) {}

  done(): boolean {
    return this.at === this.lines.length;
  }

  /** The block node whose first line is the current one, at `indent`. */
  node(indent: number): unknown {
    const line = this.lines[this.at]!;
    if (isSequenceItem(line.text)) return this.sequence(indent);
    if (mappingEntry(line.text)) return this.mapping(indent);
    this.at++;
    return inlineValue(line.text);
  }

  private next(): Line | undefined {
    return this.lines[this.at];
  }

  /** After an entry: a following line indented deeper belongs to nothing this reader knows (a continued scalar…). */
  private endEntry(indent: number): void {
    const next = this.next();
    if (next && next.indent > indent) notPlain();
  }

  private sequence(indent: number): unknown[] {
    const items: unknown[] = [];
    for (let line = this.next(); line?.indent === indent && isSequenceItem(line.text); line = this.next()) {
      const rest = trimSpacesStart(line.text.slice(1));
      if (rest === "" || rest.startsWith("#")) {
        this.at++;
        const next = this.next();
        items.push(next && next.indent > indent ? this.node(next.indent) : null);
      } else if (isSequenceItem(rest) || mappingEntry(rest)) {
        // `- key: value` or `- - item`: a compact node whose column is where it starts on the dash's line.
        const column = indent + line.text.length - rest.length;
        this.lines[this.at] = { indent: column, text: rest };
        items.push(this.node(column));
      } else {
        this.at++;
        items.push(inlineValue(rest));
      }
      this.endEntry(indent);
    }
    return items;
  }

  private mapping(indent: number): Record<string, unknown> {
    const mapping: Record<string, unknown> = {};
    for (let line = this.next(); line?.indent === indent; line = this.next()) {
      const entry = mappingEntry(line.text) ?? notPlain();
      this.at++;
      let value: unknown = null;
      if (entry.rest !== "" && !entry.rest.startsWith("#")) value = inlineValue(entry.rest);
      else {
        const next = this.next();
        if (next && next.indent > indent) value = this.node(next.indent);
        // A sequence may sit at its key's own indentation.
        else if (next && next.indent === indent && isSequenceItem(next.text)) value = this.sequence(indent);
      }
      setKey(mapping, entry.key, value);
      this.endEntry(indent);
    }
    return mapping;
  }
}

/** Only spaces, or a comment after at least one space. */
const isLineEnd = (rest: string) => rest === "" || /^ +(?:#|$)/.test(rest);

/** A value written on its key's (or dash's) line: a flow collection, a quoted or a plain scalar. */
function inlineValue(text: string): unknown {
  if (text[0] === "[" || text[0] === "{" || text[0] === '"' || text[0] === "'") {
    const reader = new FlowReader(text);
    const value = reader.value();
    if (!isLineEnd(text.slice(reader.at))) notPlain();
    return value;
  }
  const comment = text.indexOf(" #");
  const plain = trimSpacesEnd(comment < 0 ? text : text.slice(0, comment));
  if (PLAIN_START.test(plain) || /: |:$/.test(plain)) notPlain();
  return resolvePlain(plain);
}

/** One-line flow collections and quoted scalars, read from `text` at `at`. */
class FlowReader {
  at = 0;

  constructor(private readonly text: string) {}

  value(): unknown {
    const c = this.text[this.at];
    if (c === "[") return this.sequence();
    if (c === "{") return this.mapping();
    if (c === '"') return this.doubleQuoted();
    if (c === "'") return this.singleQuoted();
    return this.plain();
  }

  private skipSpaces(): void {
    while (this.text[this.at] === " ") this.at++;
  }

  /** After an entry: `,` then more (a trailing comma is left to the `yaml` package), or the closing bracket. */
  private more(close: string): boolean {
    this.skipSpaces();
    const c = this.text[this.at];
    if (c === close) {
      this.at++;
      return false;
    }
    if (c !== ",") notPlain();
    this.at++;
    this.skipSpaces();
    if (this.text[this.at] === close) notPlain();
    return true;
  }

  private sequence(): unknown[] {
    const items: unknown[] = [];
    this.at++;
    this.skipSpaces();
    if (this.text[this.at] === "]") {
      this.at++;
      return items;
    }
    do items.push(this.value());
    while (this.more("]"));
    return items;
  }

  private mapping(): Record<string, unknown> {
    const mapping: Record<string, unknown> = {};
    this.at++;
    this.skipSpaces();
    if (this.text[this.at] === "}") {
      this.at++;
      return mapping;
    }
    do {
      FLOW_KEY.lastIndex = this.at;
      const key = FLOW_KEY.exec(this.text)?.[0] ?? notPlain();
      this.at += key.length;
      if (this.text[this.at] !== ":" || this.text[this.at + 1] !== " ") notPlain();
      this.at += 2;
      this.skipSpaces();
      setKey(mapping, key, this.value());
    } while (this.more("}"));
    return mapping;
  }

  private doubleQuoted(): string {
    const end = this.text.indexOf('"', this.at + 1);
    if (end < 0) notPlain();
    const content = this.text.slice(this.at + 1, end);
    if (content.includes("\\")) notPlain();
    this.at = end + 1;
    return content;
  }

  private singleQuoted(): string {
    let content = "";
    let from = this.at + 1;
    for (;;) {
      const quote = this.text.indexOf("'", from);
      if (quote < 0) notPlain();
      content += this.text.slice(from, quote);
      if (this.text[quote + 1] !== "'") {
        this.at = quote + 1;
        return content;
      }
      content += "'";
      from = quote + 2;
    }
  }

  /** A plain scalar inside a flow collection: up to the next `,`, bracket or brace. */
  private plain(): unknown {
    const end = this.text.slice(this.at).search(/[,[\]{}#]/);
    if (end < 0) notPlain();
    const plain = trimSpacesEnd(this.text.slice(this.at, this.at + end));
    if (plain === "" || PLAIN_START.test(plain) || /:(?: |$)/.test(plain)) notPlain();
    this.at += end;
    return resolvePlain(plain);
  }
}
