// Approval events posted to each environment's webhook, signed so receivers can tell they came from leash. Delivery
// runs in the background with retries and backoff; it never delays or changes a decision.
import { createHmac, randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { Clock } from "../clock/clock.ts";
import type { ApprovalEvents, ApprovalEventType } from "../context/approval-events.ts";
import type { ScopeSetHolder } from "../context/broker-context.ts";
import type { Approval } from "../store/approval-record.ts";
import { approvalView } from "./records.ts";

const RETRY_DELAYS_MS = [0, 1_000, 5_000, 30_000];
const DELIVERY_TIMEOUT_MS = 5_000;

/** `Leash-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, like Stripe's scheme. */
export function signWebhook(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac("sha256", secret).update(`${unixSeconds}.${body}`).digest("hex");
  return `t=${unixSeconds},v1=${mac}`;
}

export class WebhookApprovalEvents implements ApprovalEvents {
  constructor(
    private readonly scopes: ScopeSetHolder,
    private readonly secret: string,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly retryDelaysMs: number[] = RETRY_DELAYS_MS,
  ) {}

  emit(type: ApprovalEventType, approval: Approval): void {
    const url = this.scopes.current().environments.get(approval.env)?.webhook;
    if (!url) return;
    const nowMs = this.clock.now();
    const body = JSON.stringify({
      id: randomUUID(),
      type,
      created_at: new Date(nowMs).toISOString(),
      approval: approvalView(approval, nowMs),
    });
    void this.deliver(url, type, body);
  }

  private async deliver(url: string, type: ApprovalEventType, body: string): Promise<void> {
    for (const [attempt, delay] of this.retryDelaysMs.entries()) {
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay).unref());
      try {
        const response = await fetch(url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "leash-event": type,
            "leash-signature": signWebhook(this.secret, body, Math.floor(this.clock.now() / 1000)),
          },
          body,
          // Only the configured address gets the event: a redirect (the receiver moved, or was made to send it
          // elsewhere, to an internal address say) is a failed delivery, retried there and logged.
          redirect: "manual",
          signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
        });
        if (response.ok) return;
        this.logger.warn({ url, type, status: response.status, attempt }, "approval webhook refused");
      } catch (error) {
        this.logger.warn({ url, type, err: (error as Error).message, attempt }, "approval webhook failed");
      }
    }
    this.logger.error({ url, type }, "approval webhook gave up");
  }
}
