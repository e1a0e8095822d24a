// Scripts for the fast SQL readers' property tests: statements from a dialect's generator, joined the way a
// command carries them, with a piece of what the reader's subset leaves out sometimes spliced in between words.
import fc from "fast-check";

/**
 * One to three statements joined by `; `, two times in three with a piece of `noise` put at one of the spaces, to
 * try to make the reader accept what it must not.
 */
export function sqlScript(
  statement: fc.Arbitrary<string>,
  noise: fc.Arbitrary<string>,
): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.array(statement, { minLength: 1, maxLength: 3 }),
      fc.option(fc.tuple(noise, fc.nat()), { freq: 3, nil: undefined }),
    )
    .map(([statements, spliced]) => {
      const text = statements.join("; ");
      if (!spliced) return text;
      const [piece, at] = spliced;
      const spaces = [...text.matchAll(/ /g)].map((m) => m.index);
      const i = spaces.length ? spaces[at % spaces.length]! : text.length;
      return `${text.slice(0, i)} ${piece} ${text.slice(i)}`;
    });
}
