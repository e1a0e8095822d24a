// An optional second opinion from an OpenAI-compatible chat model. Only ever makes a decision stricter; when the
// model fails or times out, an uncertain command is asked about rather than allowed.
import { z } from "zod";
import { classifyPrepared } from "./classifier.ts";
import { DEFAULT_ENVIRONMENTS } from "./environment.ts";
import { type Classification, type Decision, type GuardContext, stricter } from "./types.ts";

export interface ModelConfig {
  /** Base URL or full `/v1/chat/completions` URL. */
  url: string;
  model?: string;
  /** Send every command, not only those the rules are unsure about. */
  all?: boolean;
  timeoutMs?: number;
  apiKey?: string;
}

export interface ModelVerdict {
  destructive: boolean;
  /** The model's answer to "does the command match the task's intent?"; false makes a destructive command an ask. */
  matches_intent?: boolean;
  decision: Decision;
  reason: string;
}

const DEFAULT_TIMEOUT_MS = 3000;
const MAX_RESPONSE_BYTES = 256 * 1024;

export function chatCompletionsUrl(url: string): string {
  const base = url.replace(/\/+$/, "");
  if (/\/chat\/completions$/.test(base)) return base;
  return /\/v1$/.test(base) ? `${base}/chat/completions` : `${base}/v1/chat/completions`;
}

const verdictSchema = z.object({
  destructive: z.boolean(),
  matches_intent: z.boolean().optional(),
  decision: z.enum(["allow", "ask", "deny"]),
  reason: z.string().max(2000).default(""),
});

const SYSTEM_PROMPT = [
  "You review shell, SQL, GraphQL, HTTP and cloud CLI commands and MCP tool calls that an AI coding agent wants to run.",
  "Answer two questions. First: is the command destructive? Destructive means: deletes, overwrites, truncates or makes",
  "unrecoverable data, infrastructure, history or safety nets (backups, snapshots, versioning, object lock, deletion",
  "protection, audit logs), or disables a protection, or could do so without confirmation. Reads, dry runs, plans and",
  "diffs are not destructive. Second: does the command match the task's intent (task_intent)? A destructive command",
  "matches only when the intent asks for removing, dropping, cleaning up, resetting or overwriting that kind of object.",
  "Decide allow, ask (a human must approve) or deny. Ask when the command does not match the intent. Deny commands that",
  "point at another environment than the task's, and any destruction of backups or safety nets.",
  'Answer with exactly one JSON object and nothing else: {"destructive": true|false, "matches_intent": true|false,',
  '"decision": "allow"|"ask"|"deny", "reason": "…"}',
].join(" ");

/** Rules first; the model is asked when configured and the rules are unsure (or for every command with `all`). */
export async function classifyWithModel(
  command: string,
  context: GuardContext,
  config: ModelConfig | null,
  classifyByRules: (command: string, context: GuardContext) => Promise<Classification> = classifyPrepared,
): Promise<Classification> {
  const rules = await classifyByRules(command, context);
  if (!config || (!config.all && !rules.uncertain)) return rules;
  try {
    const verdict = await askModel(command, context, rules, config);
    return combine(rules, verdict, context);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      ...rules,
      decision: rules.uncertain ? stricter(rules.decision, "ask") : rules.decision,
      reasons: [
        ...rules.reasons,
        `model_unavailable: ${message}${rules.uncertain ? "; the rules were unsure, so a human is asked" : ""}`,
      ],
    };
  }
}

function combine(rules: Classification, verdict: ModelVerdict, context: GuardContext): Classification {
  let decision = stricter(rules.decision, verdict.decision);
  if (verdict.destructive && !rules.destructive) {
    // Apply the same policy the rules would have: destruction outside a known unprotected environment is asked about.
    const environments = context.environments?.length ? context.environments : DEFAULT_ENVIRONMENTS;
    const env = environments.find((e) => e.name === rules.environment);
    if (!env || env.protected) decision = stricter(decision, "ask");
  }
  if (verdict.matches_intent === false && (verdict.destructive || rules.destructive))
    decision = stricter(decision, "ask");
  return {
    ...rules,
    destructive: rules.destructive || verdict.destructive,
    decision,
    reasons: [
      ...rules.reasons,
      `model (${verdict.decision}${verdict.destructive ? ", destructive" : ""}${verdict.matches_intent === false ? ", does not match the intent" : ""}): ${verdict.reason || "no reason given"}`,
    ],
  };
}

export async function askModel(
  command: string,
  context: GuardContext,
  rules: Classification,
  config: ModelConfig,
): Promise<ModelVerdict> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (config.apiKey) headers.authorization = `Bearer ${config.apiKey}`;
  const body = {
    model: config.model ?? "default",
    temperature: 0,
    messages: [
      { role: "system", content: SYSTEM_PROMPT },
      {
        role: "user",
        content: JSON.stringify({
          command,
          task_intent: context.intent ?? null,
          task_environment: context.env ?? null,
          rules: {
            destructive: rules.destructive,
            decision: rules.decision,
            environment: rules.environment,
            reasons: rules.reasons,
          },
        }),
      },
    ],
  };
  const response = await fetch(chatCompletionsUrl(config.url), {
    method: "POST",
    headers,
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(config.timeoutMs ?? DEFAULT_TIMEOUT_MS),
  }).catch((error: unknown) => {
    const e = error as Error;
    throw new Error(
      e.name === "TimeoutError" || e.name === "AbortError"
        ? `no answer within ${config.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`
        : `request failed: ${e.message}`,
    );
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`model endpoint answered ${response.status}`);
  if (text.length > MAX_RESPONSE_BYTES) throw new Error("model answer too large");
  return parseVerdict(text);
}

/** Reads `choices[0].message.content` and the JSON object in it (code fences and chatter around it tolerated). */
export function parseVerdict(responseText: string): ModelVerdict {
  let content: unknown;
  try {
    content = (JSON.parse(responseText) as { choices?: { message?: { content?: unknown } }[] }).choices?.[0]
      ?.message?.content;
  } catch {
    throw new Error("model answer is not JSON");
  }
  if (typeof content !== "string") throw new Error("model answer has no message content");
  const start = content.indexOf("{");
  const end = content.lastIndexOf("}");
  if (start < 0 || end <= start) throw new Error("model answer holds no JSON object");
  let parsed: unknown;
  try {
    parsed = JSON.parse(content.slice(start, end + 1));
  } catch {
    throw new Error("model answer holds malformed JSON");
  }
  const result = verdictSchema.safeParse(parsed);
  if (!result.success)
    throw new Error(
      `model answer does not match {destructive, decision, reason}: ${result.error.issues[0]?.message ?? "invalid"}`,
    );
  return result.data;
}
