// Text chosen by agents (or by anyone) shown to people: every character that could move a terminal's cursor, change
// its colours, reorder what is shown (bidi overrides) or hide itself is made visible instead of being obeyed.

/**
 * C0 controls and DEL, C1 controls (0x80–0x9F: U+009B is a one-byte CSI on some terminals), bidi marks, embeddings,
 * overrides and isolates, zero-width characters, the line and paragraph separators and the BOM.
 */
const INVISIBLE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff]/gu;

/**
 * What JSON.stringify leaves unescaped of INVISIBLE: everything but the C0 controls. All of it lies in the Basic
 * Multilingual Plane, so the pattern needs no `u` flag, which would make every scan of a document slower.
 */
const LEFT_RAW_BY_JSON = /[\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff]/g;

const NAMES: Record<string, string> = {
  "\u0000": "NUL",
  "\t": "TAB",
  "\n": "LF",
  "\r": "CR",
  "\u001b": "ESC",
  "\u007f": "DEL",
};

const marker = (char: string) =>
  `⟨${NAMES[char] ?? `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`}⟩`;

/** Runs of more than this many spaces are shown counted, so nothing can be pushed out of sight. */
const LONGEST_SHOWN_SPACE_RUN = 3;

/**
 * `text` with every invisible or terminal-controlling character shown as a marker (`⟨ESC⟩`, `⟨LF⟩`, `⟨U+202E⟩`);
 * with `countSpaces`, runs of more than three spaces too (`⟨490 spaces⟩`).
 */
export function visibleText(text: string, options: { countSpaces?: boolean } = {}): string {
  const shown = text.replace(INVISIBLE, marker);
  if (!options.countSpaces) return shown;
  return shown.replace(/ {4,}/g, (run) =>
    run.length > LONGEST_SHOWN_SPACE_RUN ? `⟨${run.length} spaces⟩` : run,
  );
}

/** Whether `text` holds only printable characters (nothing visibleText would change). */
export const isPrintableText = (text: string): boolean => !new RegExp(INVISIBLE.source, "u").test(text);

/**
 * JSON for a terminal: JSON.stringify already escapes C0 controls inside strings; this escapes the rest of the
 * invisible characters as `\uXXXX` too, so the document parses to exactly the same value.
 */
export function terminalSafeJson(value: unknown, indent?: number): string {
  // C0 controls are left to JSON.stringify: inside strings it escapes them, outside they are its own layout.
  return terminalSafeJsonText(JSON.stringify(value, null, indent));
}

/** terminalSafeJson's escaping for JSON text already written by JSON.stringify (or pieced together from it). */
export function terminalSafeJsonText(json: string): string {
  return json.replace(LEFT_RAW_BY_JSON, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
