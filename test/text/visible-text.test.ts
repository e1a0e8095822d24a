// Agent-chosen text shown to people: every class of terminal-controlling or invisible character is made visible.
import { describe, expect, it } from "vitest";
import {
  isPrintableText,
  terminalSafeJson,
  terminalSafeJsonText,
  visibleText,
} from "../../src/text/visible-text.ts";

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
  // Shown as nothing by renderers that follow Unicode's Default_Ignorable_Code_Point.
  ignorable: [
    "\u00ad",
    "\u034f",
    "\u115f",
    "\u180e",
    "\u3164",
    "\ufe0f",
    "\uffa0",
    "\u{1d173}",
    "\u{e0001}",
    "\u{e0041}",
    "\u{e007f}",
    "\u{e0100}",
  ],
};

describe("visibleText", () => {
  for (const [name, chars] of Object.entries(CLASSES)) {
    it(`shows every ${name} character as a marker (${chars.length})`, () => {
      for (const char of chars) {
        const shown = visibleText(`a${char}b`);
        expect(shown, JSON.stringify(char)).toMatch(/^a⟨[A-Z0-9+]+⟩b$/u);
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

describe("every code point", () => {
  // Surrogates are not characters on their own; every other code point is checked.
  const characters = function* () {
    for (let cp = 0; cp <= 0x10ffff; cp++) if (cp < 0xd800 || cp > 0xdfff) yield String.fromCodePoint(cp);
  };

  it("JSON for a terminal escapes exactly the characters visibleText marks (C0 controls JSON escapes itself)", () => {
    const wrong: string[] = [];
    for (const char of characters()) {
      const json = JSON.stringify(char);
      const escaped = !terminalSafeJsonText(json).includes(char);
      const marked = visibleText(char) !== char;
      if (escaped !== marked) wrong.push(`U+${char.codePointAt(0)!.toString(16)}`);
    }
    expect(wrong.slice(0, 20)).toEqual([]);
  });

  it("the approval console marks the same characters as the CLI", async () => {
    // The console's own module, as the browser loads it (plain JavaScript, without types).
    const consoleDom = "../../src/http/console/dom.js";
    const { visible } = (await import(consoleDom)) as { visible: (text: string) => string };
    const wrong: string[] = [];
    for (const char of characters()) {
      if ((visible(`a${char}b`) !== `a${char}b`) !== (visibleText(char) !== char))
        wrong.push(`U+${char.codePointAt(0)!.toString(16)}`);
    }
    expect(wrong.slice(0, 20)).toEqual([]);
  });
});
