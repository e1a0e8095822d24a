// An optional variable holding an http(s) URL: unset or blank is unset, anything else must be such a URL.
import { z } from "zod";
import { unsetWhenEmpty } from "./env-error.ts";

/** `expected` is the whole message for a bad value, e.g. "expected the broker's http(s) URL, like …". */
export const optionalHttpUrl = (expected: string) =>
  z.preprocess(
    unsetWhenEmpty,
    z
      .string()
      .trim()
      .pipe(z.url({ protocol: /^https?$/, error: expected }))
      .optional(),
  );
