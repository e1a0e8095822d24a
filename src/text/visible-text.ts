// Text chosen by agents (or by anyone) shown to people: every character that could move a terminal's cursor, change
// its colours, reorder what is shown (bidi overrides) or hide itself is made visible instead of being obeyed.

/**
 * C0 controls and DEL, C1 controls (0x80–0x9F: U+009B is a one-byte CSI on some terminals), the line and paragraph
 * separators, and every character Unicode says a renderer may show as nothing (Default_Ignorable_Code_Point): bidi
 * marks, embeddings, overrides and isolates, zero-width characters, the BOM, the soft hyphen, variation selectors,
 * Hangul fillers and the tag characters.
 */
const INVISIBLE = /[\p{Cc}\p{Default_Ignorable_Code_Point}\u2028\u2029]/gu;

/**
 * What JSON.stringify leaves unescaped of INVISIBLE: everything but the C0 controls, written as UTF-16 code units (a
 * character outside the Basic Multilingual Plane as its surrogate pair) so the pattern needs no `u` flag, which would
 * make every scan of a document slower. A test holds it to INVISIBLE over every code point.
 */
const LEFT_RAW_BY_JSON =
  // biome-ignore lint/suspicious/noMisleadingCharacterClass: combining characters on their own are the point
  /[\u007f-\u009f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u2028-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8]|\ud82f[\udca0-\udca3]|\ud834[\udd73-\udd7a]|[\udb40-\udb43][\udc00-\udfff]/g;

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
  return json.replace(LEFT_RAW_BY_JSON, (chars) => {
    let escaped = "";
    for (let i = 0; i < chars.length; i++)
      escaped += `\\u${chars.charCodeAt(i).toString(16).padStart(4, "0")}`;
    return escaped;
  });
}
