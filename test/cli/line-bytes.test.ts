// Lines gathered as bytes must be exactly the UTF-8 of the lines joined with newlines, however long or wide they are.
import { describe, expect, it } from "vitest";
import { LineBytes } from "../../src/cli/line-bytes.ts";

describe("lines gathered as bytes", () => {
  it("are the UTF-8 of each line and a newline, across growth and takes", () => {
    const out = new LineBytes(16);
    const lines = ["plain", "", "wide: … ⟨ESC⟩ 😀", "x".repeat(100), "lone surrogate \ud800 end"];
    for (const line of lines) out.add(line);
    expect(out.take().equals(Buffer.from(`${lines.join("\n")}\n`))).toBe(true);
    out.add("again");
    expect(out.take().toString()).toBe("again\n");
    expect(out.take().length).toBe(0);
  });

  it("hands out buffers later lines never overwrite", () => {
    const out = new LineBytes(8);
    out.add("first");
    const first = out.take();
    out.add("second, longer");
    out.take();
    expect(first.toString()).toBe("first\n");
  });
});
