// Building the page from data: elements with attributes and text only (textContent, never markup), and text written by
// agents shown with every invisible or layout-changing character made visible.

export function element(tag, attributes = {}, text) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === undefined || value === null) continue;
    node.setAttribute(name, value === true ? "" : value);
  }
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * Same characters as leash's own visible-text: controls, C1, the line and paragraph separators, and every character a
 * renderer may show as nothing (bidi marks and overrides, zero-width characters, BOM, soft hyphen, tag characters…).
 */
const INVISIBLE = /[\p{Cc}\p{Default_Ignorable_Code_Point}\u2028\u2029]/gu;
const NAMES = { "\u0000": "NUL", "\t": "TAB", "\n": "LF", "\r": "CR", "\u001b": "ESC", "\u007f": "DEL" };
const marker = (char) =>
  `⟨${NAMES[char] ?? `U+${char.codePointAt(0).toString(16).toUpperCase().padStart(4, "0")}`}⟩`;

/**
 * Text as it really is: control and invisible characters as markers (`⟨LF⟩`, `⟨U+202E⟩`), runs of more than three
 * spaces counted (`⟨40 spaces⟩`), leading and trailing spaces marked, so nothing can hide or push text out of sight.
 */
export function visible(text) {
  return String(text ?? "")
    .replace(INVISIBLE, marker)
    .replace(/ {4,}/g, (run) => `⟨${run.length} spaces⟩`)
    .replace(/^ +| +$/g, (run) => `⟨${run.length === 1 ? "space" : `${run.length} spaces`}⟩`);
}

export const formatTime = (iso) => {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : date.toLocaleString();
};

/** Minutes and seconds left, as `m:ss`. */
export function formatCountdown(ms) {
  const seconds = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

/** The facts about one thing, as a description list; returns the <dd> per field so an update can change them. */
export function factList(fields) {
  const list = element("dl");
  const values = {};
  for (const [name, label] of fields) {
    list.append(element("dt", {}, label));
    values[name] = element("dd", { "data-field": name });
    list.append(values[name]);
  }
  return { list, values };
}

export function setText(node, text) {
  if (node && node.textContent !== text) node.textContent = text;
}
