// Log lines for a person at a terminal: pino's JSON lines (already redacted) turned into one line of text each,
// for commands whose human mode must not print JSON (`leash dev` without --json).
import type { DestinationStream } from "pino";
import { visibleText } from "../text/visible-text.ts";

const LEVELS: Record<number, string> = {
  10: "trace",
  20: "debug",
  30: "info",
  40: "warning",
  50: "error",
  60: "fatal",
};
/** pino's own fields, which the text line says in its own way or leaves out. */
const OMITTED = new Set(["level", "time", "pid", "hostname", "msg"]);

export function humanLogLine(jsonLine: string, prefix: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(jsonLine) as Record<string, unknown>;
  } catch {
    return `${prefix}: ${visibleText(jsonLine.trimEnd())}\n`;
  }
  const level = LEVELS[Number(entry.level)] ?? "log";
  const fields = Object.entries(entry)
    .filter(([key]) => !OMITTED.has(key))
    .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`);
  // Fields can carry what agents sent (resources, intents): shown on the terminal, never obeyed.
  const text = `${String(entry.msg ?? "")}${fields.length > 0 ? ` (${fields.join(", ")})` : ""}`;
  return `${prefix}: ${level}: ${visibleText(text)}\n`;
}

/** A pino destination writing each line as text to stderr. */
export function humanLogDestination(prefix: string): DestinationStream {
  return {
    write(line: string) {
      process.stderr.write(humanLogLine(line, prefix));
    },
  };
}
