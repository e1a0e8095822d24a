// Approval lifecycle events, for notification webhooks (and later the audit log). Emitting never blocks a decision.
import type { Approval } from "../store/approval-record.ts";

export type ApprovalEventType =
  | "approval.requested"
  | "approval.partially_approved"
  | "approval.approved"
  | "approval.denied"
  | "approval.expired"
  | "approval.cancelled";

export interface ApprovalEvents {
  emit(type: ApprovalEventType, approval: Approval): void;
}

export const ignoreApprovalEvents: ApprovalEvents = { emit: () => {} };
