// Text as one shell word: the guard writes commands it has taken apart (an alias's arguments, a tool call's, a
// client's shell command) back as shell text for the shell reader, each word exactly as it was.

/** `text` in single quotes, each `'` in it closed, escaped and reopened: one word whatever it holds. */
export const shellQuoted = (text: string): string => `'${text.replaceAll("'", "'\\''")}'`;
