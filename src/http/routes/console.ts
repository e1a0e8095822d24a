// The console at /console: one page, its script modules and stylesheet, served unframeable, uncached and script-only-from-here.
import { readFile } from "node:fs/promises";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";

const CONSOLE_DIR = new URL("../console/", import.meta.url);

const ASSETS = [
  { url: "/console", file: "index.html", type: "text/html; charset=utf-8" },
  ...["console.js", "api.js", "dom.js", "approvals.js", "security.js", "passkeys.js", "webauthn.js"].map(
    (file) => ({ url: `/console/${file}`, file, type: "text/javascript; charset=utf-8" }) as const,
  ),
  { url: "/console/console.css", file: "console.css", type: "text/css; charset=utf-8" },
] as const;

/**
 * Only this origin's own files, no inline script or style, no plugins, no framing, forms never submit natively (the
 * script sends JSON; a native submit would put the key in a URL), and DOM sinks like innerHTML refuse plain strings.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
].join("; ");

const CONSOLE_HEADERS = {
  "content-security-policy": CONSOLE_CSP,
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "cache-control": "no-store",
  pragma: "no-cache",
};

export const consoleRoutes = (): FastifyPluginAsyncZod => async (app) => {
  // Read once at start: a missing file fails the broker's start, not an approver's page load.
  const assets = await Promise.all(
    ASSETS.map(async (asset) => ({ ...asset, body: await readFile(new URL(asset.file, CONSOLE_DIR)) })),
  );
  for (const asset of assets) {
    app.get(asset.url, { schema: { hide: true } }, async (_request, reply) =>
      reply.headers(CONSOLE_HEADERS).type(asset.type).send(asset.body),
    );
  }
  app.get("/console/", { schema: { hide: true } }, async (_request, reply) =>
    reply.headers(CONSOLE_HEADERS).redirect("/console", 302),
  );
};
