// How deeply a GraphQL document nests, measured on its text before any parser recurses into it.

/** Deeper than any real query or argument; graphql-js recurses once per level and a deep enough one overflows. */
export const MAX_GRAPHQL_DEPTH = 64;

/**
 * True when the brackets of `source` (`{`, `[`, `(`) nest deeper than `limit`, outside strings, block strings
 * and comments. A document the lexer would reject anyway is measured all the same: the point is to stop before it.
 */
export function nestsDeeperThan(source: string, limit: number): boolean {
  let depth = 0;
  let i = 0;
  const n = source.length;
  while (i < n) {
    const c = source[i]!;
    if (c === "#") {
      while (i < n && source[i] !== "\n" && source[i] !== "\r") i++;
    } else if (c === '"') {
      if (source.startsWith('"""', i)) {
        i += 3;
        while (i < n && !source.startsWith('"""', i)) i += source.startsWith('\\"""', i) ? 4 : 1;
        i += 3;
        continue;
      }
      i++;
      while (i < n && source[i] !== '"' && source[i] !== "\n") i += source[i] === "\\" ? 2 : 1;
    } else if (c === "{" || c === "[" || c === "(") {
      if (++depth > limit) return true;
    } else if (c === "}" || c === "]" || c === ")") {
      depth = Math.max(0, depth - 1);
    }
    i++;
  }
  return false;
}

/** True when a JSON value (already parsed) nests deeper than `limit`; iterative, so depth cannot overflow it. */
export function valueDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (item === null || typeof item !== "object") continue;
    if (depth >= limit) return true;
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return false;
}
