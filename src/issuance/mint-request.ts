// The body of POST /v1/tokens.
import { z } from "zod";
import { parseDuration } from "../scopes/duration.ts";
import { actionName, identifier } from "../scopes/schema.ts";

export const INTENT_MAX_LENGTH = 500;
export const TASK_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

export const mintRequestSchema = z
  .object({
    scope: identifier,
    task: z
      .object({
        id: z
          .string()
          .regex(TASK_ID_PATTERN, {
            error: "expected a task id of letters, digits, '_', '.', ':' or '-' (≤ 128)",
          })
          .optional(),
        intent: z
          .string()
          .trim()
          .min(1, { error: "intent is required: say what the task is for" })
          .max(INTENT_MAX_LENGTH, { error: `intent must be at most ${INTENT_MAX_LENGTH} characters` }),
      })
      .strict(),
    actions: z.array(actionName).min(1).max(200).optional(),
    resources: z.array(z.string().min(1).max(1024)).min(1).max(200).optional(),
    ttl: z
      .string()
      .refine((text) => parseDuration(text) !== null, { error: 'expected a duration like "10m"' })
      .optional(),
  })
  .strict();

export type MintRequest = z.infer<typeof mintRequestSchema>;
