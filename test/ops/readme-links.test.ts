// README's links as the installed package sees them: every relative link a reader can follow from README (through
// the Markdown files it links to) points at a file the package ships, so none breaks in node_modules/leash/.
// The installed-package test checks the same on the real tarball; this one runs with every `npm test`.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const shipped: string[] = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).files.filter(
  (entry: string) => !entry.startsWith("!"),
);
const isShipped = (path: string) => shipped.some((entry) => path === entry || path.startsWith(`${entry}/`));

describe("README's links in the package", () => {
  it("lead only to files the package ships", () => {
    const queue = ["README.md"];
    const read = new Set<string>();
    const broken: string[] = [];
    while (queue.length > 0) {
      const document = queue.shift()!;
      if (read.has(document)) continue;
      read.add(document);
      for (const [, target] of readFileSync(join(ROOT, document), "utf8").matchAll(/\]\(([^)\s]+)\)/g)) {
        const path = target!.split("#")[0]!;
        if (!path) continue;
        const resolved = relative(ROOT, join(ROOT, dirname(document), path));
        if (/^[a-z]+:/i.test(target!) || !isShipped(resolved) || !existsSync(join(ROOT, resolved)))
          broken.push(`${document}: ${target}`);
        else if (resolved.endsWith(".md")) queue.push(resolved);
      }
    }
    expect(broken).toEqual([]);
    expect(read.size).toBeGreaterThan(5);
  });
});
