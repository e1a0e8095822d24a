// How a value found in a configuration file is named in a message about it.

/** A value found in a file as a message shows it: strings quoted, lists and mappings by kind, absence as "nothing". */
export function describeValue(value: unknown): string {
  if (value === undefined || value === null) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string")
    return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  return String(value);
}
