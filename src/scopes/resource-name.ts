// The canonical form of a requested resource name: what authorize (and the resource-server plugin) accepts.
//
// Globs match strings, not meanings: `staging/%2e%2e/production`, `staging\..\production` or `staging//x` may be read
// by an upstream as a resource the glob never saw. So a name is refused unless it is spelled the one way leash
// compares (never normalised silently):
//
//   resource  = url / name
//   url       = scheme "://" authority *( "/" segment )       e.g. postgres://prod-db.internal/app
//   name      = segment *( "/" segment )                       e.g. railway:prj_demo/env/staging/volume/v1
//   segment   = 1*char, not "." or ".."
//   char      = printable ASCII except space % \ # * ? [ ] { } ( ) ! | " ' < > ^ `
//
// so no percent-encoding, no backslashes, no glob or extglob characters, no empty, "." or ".." segments, and no
// query or fragment (`?` and `#` are refused anywhere).

/** The longest resource name authorize takes (as its request schema). */
export const RESOURCE_MAX_LENGTH = 1024;

const URL_PREFIX = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;
/** Printable ASCII but space and the characters listed above. */
const SEGMENT = /^[!-~]+$/;
const FORBIDDEN = /[%\\#*?[\]{}()!|"'<>^`]/;

/** Why `resource` is not canonical, or null when it is. */
export function resourceNotCanonical(resource: string): string | null {
  if (resource.length === 0) return "it is empty";
  if (resource.length > RESOURCE_MAX_LENGTH) return `it is longer than ${RESOURCE_MAX_LENGTH} characters`;
  const forbidden = FORBIDDEN.exec(resource);
  if (forbidden) {
    const char = forbidden[0];
    if (char === "%") return "it holds percent-encoding (%)";
    if (char === "\\") return "it holds a backslash";
    if (char === "?" || char === "#") return `it holds a query or fragment (${char})`;
    return `it holds the glob or reserved character ${JSON.stringify(char)}`;
  }
  const prefix = URL_PREFIX.exec(resource)?.[0] ?? "";
  const segments = resource.slice(prefix.length).split("/");
  for (const segment of segments) {
    if (segment === "") return "it has an empty segment (// or a / at either end)";
    if (segment === "." || segment === "..") return `it has a ${JSON.stringify(segment)} segment`;
    if (!SEGMENT.test(segment)) return "it holds whitespace, control or non-ASCII characters";
  }
  return null;
}
