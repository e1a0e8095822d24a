// What a pipeline stage writes to stdout when the guard can know it: echo, printf, base64 -d, gunzip, xxd -r…
// This is how `echo cm0gLXJmIC8= | base64 -d | sh` is read as `rm -rf /`.
import { createRequire } from "node:module";
import type * as Zlib from "node:zlib";
import type { Invocation } from "./command.ts";
import type { WrittenFiles } from "./written-files.ts";

/** node:zlib, loaded only when a pipeline decompresses: a hook's start-up need not link it for every command. */
const zlib = (): typeof Zlib => createRequire(import.meta.url)("node:zlib") as typeof Zlib;

const MAX_PAYLOAD = 1 << 20;

/** `written`: the files the command line wrote, which `cat` prints as written. */
export function pipelineOutput(inv: Invocation, written: WrittenFiles): Buffer | null {
  try {
    const out = staticOutput(inv, written);
    return out && out.length <= MAX_PAYLOAD ? out : null;
  } catch {
    return null;
  }
}

function staticOutput(inv: Invocation, written: WrittenFiles): Buffer | null {
  if (inv.name === "cat") return catOutput(inv, written);
  if (hasDynamicArgument(inv)) return null;
  const args = inv.args;
  switch (inv.name) {
    case "echo":
      return echo(args);
    case "printf":
      return args.length ? Buffer.from(printf(args[0]!, args.slice(1))) : null;
    case "cat":
    case "tee":
      return args.every((a) => a === "-" || a.startsWith("-") || inv.name === "tee") ? inv.stdin : null;
    case "base64":
    case "b64":
      return args.some((a) => ["-d", "--decode", "-D", "-di", "-id"].includes(a)) && inv.stdin
        ? Buffer.from(inv.stdin.toString("latin1").replace(/\s+/g, ""), "base64")
        : null;
    case "openssl":
      return (args[0] === "base64" || args[0] === "enc") && args.includes("-d") && inv.stdin
        ? Buffer.from(inv.stdin.toString("latin1").replace(/\s+/g, ""), "base64")
        : null;
    case "xxd":
      return args.includes("-r") && args.includes("-p") && inv.stdin
        ? Buffer.from(inv.stdin.toString("latin1").replace(/[^0-9a-f]/gi, ""), "hex")
        : null;
    case "gunzip":
    case "zcat":
      return inv.stdin && args.every((a) => a.startsWith("-")) ? zlib().gunzipSync(inv.stdin) : null;
    case "gzip":
      return inv.stdin && args.includes("-d") && args.every((a) => a.startsWith("-"))
        ? zlib().gunzipSync(inv.stdin)
        : null;
    case "zlib-flate":
      return inv.stdin && args.includes("-uncompress") ? zlib().inflateSync(inv.stdin) : null;
    case "rev":
      return inv.stdin
        ? Buffer.from(
            inv.stdin
              .toString("utf8")
              .split("\n")
              .map((l) => [...l].reverse().join(""))
              .join("\n"),
          )
        : null;
    case "tr":
      return inv.stdin && args.length === 2
        ? Buffer.from(translate(inv.stdin.toString("utf8"), args[0]!, args[1]!))
        : null;
    default:
      return null;
  }
}

/** `cat` prints stdin for `-` and no file, and each file the command line wrote as written; any other file is unknown. */
function catOutput(inv: Invocation, written: WrittenFiles): Buffer | null {
  const files = inv.argv.slice(1).filter((w) => w.text === "-" || !w.text.startsWith("-"));
  if (!files.length) return hasDynamicArgument(inv) ? null : inv.stdin;
  const parts: Buffer[] = [];
  for (const file of files) {
    const text = file.text === "-" && !file.dynamic ? inv.stdin : written.find(file)?.text;
    if (text === null || text === undefined) return null;
    parts.push(typeof text === "string" ? Buffer.from(text) : text);
  }
  return Buffer.concat(parts);
}

function hasDynamicArgument(inv: Invocation): boolean {
  for (let i = 1; i < inv.argv.length; i++) if (inv.argv[i]!.dynamic) return true;
  return false;
}

function echo(args: readonly string[]): Buffer {
  let newline = true;
  let escapes = false;
  let i = 0;
  for (; i < args.length && /^-[neE]+$/.test(args[i]!); i++) {
    if (args[i]!.includes("n")) newline = false;
    if (args[i]!.includes("e")) escapes = true;
  }
  const body = args.slice(i).join(" ");
  return Buffer.from((escapes ? cEscapes(body) : body) + (newline ? "\n" : ""));
}

/** printf reuses its format until the arguments run out (`printf '%s\n' a b` prints two lines). */
function printf(format: string, args: readonly string[]): string {
  let next = 0;
  let out = "";
  for (;;) {
    let converts = false;
    const formatted = format.replace(/%(%|[-+ #0-9.]*[sdbqc])/g, (_m, spec: string) => {
      if (spec === "%") return "%";
      converts = true;
      const value = args[next++] ?? "";
      return spec.endsWith("b") ? cEscapes(value) : value;
    });
    out += cEscapes(formatted);
    if (!converts || next >= args.length) return out;
  }
}

const C_ESCAPES: Record<string, string> = {
  n: "\n",
  t: "\t",
  r: "\r",
  "\\": "\\",
  a: "\x07",
  b: "\b",
  f: "\f",
  v: "\v",
};

function cEscapes(s: string): string {
  return s.replace(/\\(x[0-9a-fA-F]{1,2}|0?[0-7]{1,3}|.)/g, (m, esc: string) => {
    if (esc[0] === "x") return String.fromCharCode(Number.parseInt(esc.slice(1), 16));
    if (/^[0-7]+$/.test(esc)) return String.fromCharCode(Number.parseInt(esc, 8));
    return C_ESCAPES[esc] ?? m;
  });
}

/** `tr` with ranges, enough for rot13 and case tricks. */
function translate(input: string, from: string, to: string): string {
  const expand = (set: string) =>
    set.replace(/(.)-(.)/g, (_, a: string, b: string) => {
      let out = "";
      for (let c = a.charCodeAt(0); c <= b.charCodeAt(0); c++) out += String.fromCharCode(c);
      return out;
    });
  const src = expand(from);
  const dst = expand(to);
  if (!src || !dst) return input;
  let out = "";
  for (const ch of input) {
    const i = src.indexOf(ch);
    out += i < 0 ? ch : (dst[Math.min(i, dst.length - 1)] ?? ch);
  }
  return out;
}
