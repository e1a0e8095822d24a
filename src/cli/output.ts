// The CLI's one output convention: human text by default; `--json` prints one JSON document, or JSON Lines (one
// object a line) for a command that prints a stream of records. Text shows every field; it never obeys one.
import type { Command } from "commander";
import { terminalSafeJson, visibleText } from "../text/visible-text.ts";

export interface JsonOption {
  json?: boolean;
}

/** Adds `--json`. A stream's description says it prints JSON Lines. */
export function jsonOption(command: Command, description = "print the result as one JSON document"): Command {
  return command.option("--json", description);
}

/** `value` as one line of JSON with --json, else the text `human` makes of it; either way one trailing newline. */
export function printResult<T>(options: JsonOption, value: T, human: (value: T) => string): void {
  const text = options.json ? terminalSafeJson(value) : human(value);
  process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
}

/** A field for text output: other people's strings (ids, reasons, intents) shown with their control characters marked. */
export const shown = (value: unknown): string =>
  value === undefined || value === null || value === "" ? "-" : visibleText(String(value));

/** `label  value` lines, labels aligned. */
export function fieldLines(fields: [label: string, value: unknown][], indent = "  "): string {
  const width = Math.max(...fields.map(([label]) => label.length));
  return fields.map(([label, value]) => `${indent}${label.padEnd(width)}  ${shown(value)}`).join("\n");
}

/** Rows under a header, columns aligned; every cell already made visible by the caller or shown here. */
export function table(header: string[], rows: unknown[][]): string {
  const cells = [header, ...rows.map((row) => row.map(shown))];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  return cells
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

export type TokenFormat = "raw" | "json" | "env";

/** `--format raw|json|env` of the commands that print a token, with `--json` as the convention's spelling of json. */
export function tokenFormat(options: { format: string; json?: boolean }): TokenFormat {
  if (!["raw", "json", "env"].includes(options.format))
    throw new Error("--format: expected raw, json or env");
  if (options.json && options.format === "env") throw new Error("--json and --format env: give one");
  return options.json ? "json" : (options.format as TokenFormat);
}
