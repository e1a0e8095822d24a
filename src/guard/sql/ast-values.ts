// Reading the parsers' trees, which are loose JSON: a field is a string, a node or a list, or else empty.

export type AstNode = Record<string, unknown>;

export const str = (v: unknown): string => (typeof v === "string" ? v : "");
export const obj = (v: unknown): AstNode => (v && typeof v === "object" ? (v as AstNode) : {});
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
