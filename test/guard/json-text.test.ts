// JSON text that repeats a key means one thing to JSON.parse (the last copy) and another to readers that keep the
// first or refuse it: such text is refused, wherever the repeat is.
import { describe, expect, it } from "vitest";
import { classifyToolCall } from "../../src/guard/classifier.ts";
import { DuplicateKeyError, parseJson } from "../../src/guard/json-text.ts";

describe("parseJson", () => {
  it("refuses a key repeated in one object, however it is spelled or deep", () => {
    for (const text of [
      '{"a":1,"a":2}',
      '{"a":1,"\\u0061":2}',
      '[{"a":1,"b":{"c":1,"c":2}}]',
      '{"a":[1,"a"],"a":3}',
      '{"a\\\\":1,"a\\\\":2}',
    ]) {
      expect(() => parseJson(text), text).toThrow(DuplicateKeyError);
    }
  });

  it("reads what JSON.parse reads when no key repeats", () => {
    for (const text of [
      '{"a":{"a":1},"b":[{"a":1},{"a":2}]}',
      '{"a":"x\\"a","b":"a"}',
      '{"a\\\\":1,"a":2}',
      '"{\\"a\\":1,\\"a\\":2}"',
      "[1,2,1]",
      "{}",
    ]) {
      expect(parseJson(text), text).toEqual(JSON.parse(text));
    }
    expect(() => parseJson("{")).toThrow(SyntaxError);
  });

  it("makes an MCP argument holding JSON text with a repeated key unreadable, not harmless", () => {
    const call = (params: string) => classifyToolCall({ name: "mcp__api__call", input: { params } });
    const repeated = call('{"sql":"DROP TABLE users","sql":"SELECT 1"}');
    // Uncertain: a hook asks about it.
    expect(repeated.uncertain).toBe(true);
    expect(repeated.reasons.join(" ")).toContain("repeats the key");
    expect(call('{"sql":"DROP TABLE users"}').destructive).toBe(true);
  });
});
