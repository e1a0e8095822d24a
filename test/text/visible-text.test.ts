// Agent-chosen text shown to people: every class of terminal-controlling or invisible character is made visible.
import { describe, expect, it } from "vitest";
import { isPrintableText, terminalSafeJson, visibleText } from "../../src/text/visible-text.ts";

/** Every character of each class an attacker could use to steer a terminal or hide text. */
const CLASSES: Record<string, string[]> = {
  c0: Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)),
  del: ["\u007f"],
  c1: Array.from({ length: 32 }, (_, i) => String.fromCharCode(0x80 + i)),
  bidi: ["\u061c", "\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e"].concat([
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
  ]),
  invisible: ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"],
  separators: ["\u2028", "\u2029"],
};

describe("visibleText", () => {
  for (const [name, chars] of Object.entries(CLASSES)) {
    it(`shows every ${name} character as a marker (${chars.length})`, () => {
      for (const char of chars) {
        const shown = visibleText(`a${char}b`);
        expect(shown, JSON.stringify(char)).toMatch(/^a⟨[A-Z0-9+]+⟩b$/);
        expect(isPrintableText(shown)).toBe(true);
        expect(isPrintableText(`a${char}b`)).toBe(false);
      }
    });
  }

  it("names the common ones and leaves printable text alone", () => {
    expect(visibleText("\u001b[2J\r\n\t\u202eevil")).toBe("⟨ESC⟩[2J⟨CR⟩⟨LF⟩⟨TAB⟩⟨U+202E⟩evil");
    expect(visibleText("naïve café ✓ 東京 🙂")).toBe("naïve café ✓ 東京 🙂");
    expect(isPrintableText("naïve café ✓ 東京 🙂")).toBe(true);
  });

  it("counts long runs of spaces when asked, so nothing is pushed out of sight", () => {
    const command = `ls${" ".repeat(490)}; psql -c 'DROP DATABASE prod'`;
    expect(visibleText(command, { countSpaces: true })).toBe("ls⟨490 spaces⟩; psql -c 'DROP DATABASE prod'");
    expect(visibleText("a   b", { countSpaces: true })).toBe("a   b");
    expect(visibleText(command)).toBe(command);
  });
});

describe("terminalSafeJson", () => {
  it("parses back to the same value and holds no raw invisible character", () => {
    const value = { all: Object.values(CLASSES).flat().join(""), nested: ["\u202e", { k: "\u009b31m" }] };
    const text = terminalSafeJson(value, 2);
    expect(JSON.parse(text)).toEqual(value);
    expect(isPrintableText(text.replaceAll("\n", ""))).toBe(true);
  });
});
