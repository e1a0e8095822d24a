// The approvals view: each pending request as an approver needs to see it in one look (where, how destructive, the
// exact call, who asked and for what, what the task did just before, who approved, how long is left), approved with a
// second factor or denied with a reason. Decisions made anywhere else leave the page at once (long-poll).
import { ApiError, callApi, query } from "./api.js";
import { element, factList, formatCountdown, formatTime, setText, visible } from "./dom.js";
import { assertPasskey, passkeysSupported } from "./webauthn.js";

const $ = (id) => document.getElementById(id);
const ui = {
  section: $("approvals"),
  pendingHeading: $("pending-heading"),
  refresh: $("refresh"),
  refreshed: $("refreshed"),
  empty: $("empty"),
  pending: $("pending"),
  decided: $("decided"),
  decidedEmpty: $("decided-empty"),
};

/** How long one long-poll waits on the broker before it is renewed (leash allows at most 30 s). */
const WATCH_WAIT_SECONDS = 25;
/** After a failed long-poll, wait this long (doubling up to the maximum) before asking again. */
const RETRY_MS = { first: 1000, max: 30_000 };
/** Under this much time left, the countdown is shown as urgent. */
const URGENT_MS = 60_000;
/** Pages of pending approvals read per refresh (200 each); leash's per-agent limits keep the list far below this. */
const MAX_PAGES = 50;

const COMMAND_PREFIX = "command: ";
const isCommand = (approval) => approval.kind === "call" && approval.action === "command:run";

export function describeCall(approval) {
  if (approval.kind !== "call") return `a token for scope ${approval.scope} in ${approval.environment}`;
  if (isCommand(approval)) return `run a command in ${approval.environment}`;
  return `${approval.action} on ${approval.resource}`;
}

/**
 * The exact call, as it will run: an MCP tool with its exact arguments, an HTTP request as the proxy forwards it, the
 * whole command, or action and resource (saying the request was not shown); every character visible.
 */
function exactCall(approval) {
  if (approval.kind !== "call") return `mint a token for scope ${approval.scope}`;
  if (approval.tool_call) {
    const { upstream, tool, arguments: args } = approval.tool_call;
    return `tool ${visible(upstream)}/${visible(tool)} with arguments ${visible(args)}`;
  }
  if (approval.http_request) return httpRequestText(approval.http_request);
  if (isCommand(approval)) {
    const command = approval.resource.startsWith(COMMAND_PREFIX)
      ? approval.resource.slice(COMMAND_PREFIX.length)
      : approval.resource;
    return visible(command);
  }
  return `${visible(approval.action)} ${visible(approval.resource)}\n${REQUEST_NOT_SHOWN}`;
}

const REQUEST_NOT_SHOWN = "(request not shown: leash was sent only the action and resource)";

/**
 * A held HTTP request, one part a line: method and path with its query, the hashed headers, the body the proxy read.
 * Each part is made visible on its own, so a line break inside one shows as a marker, never as another line.
 */
function httpRequestText(request) {
  const headers = Array.isArray(request.headers) ? request.headers : [];
  let body;
  if (typeof request.body === "string") {
    body = `body (${new TextEncoder().encode(request.body).length} bytes): ${visible(request.body)}`;
  } else if (typeof request.body_base64 === "string") {
    body = `body (${atob(request.body_base64).length} bytes, not UTF-8, as base64): ${visible(request.body_base64)}`;
  } else {
    body = "body not shown: not part of the request hash (a body, if sent, streams to the upstream unread)";
  }
  return [
    `${visible(request.method)} ${visible(request.path)}`,
    ...headers.map(([name, value]) => `${visible(name)}: ${value === null ? "(not sent)" : visible(value)}`),
    body,
  ].join("\n");
}

const quorumText = (approval) =>
  `${approval.approved_by.length} of ${approval.quorum} (approvers: ${approval.approvers.join(", ")})`;

const decisionText = (record) =>
  `${record.decision || "?"}${record.reason && record.reason !== "ok" ? ` (${record.reason})` : ""}: ` +
  `${visible(record.action)} on ${visible(record.resource)}, ${formatTime(record.time)}`;

const PENDING_FIELDS = [
  ["intent", "Task intent"],
  ["call", "Exact call"],
  ["action", "Action"],
  ["resource", "Resource"],
  ["agent", "Agent"],
  ["actChain", "Acting through (sub-agents, current first)"],
  ["owner", "Agent's owner"],
  ["environment", "Environment"],
  ["scope", "Scope"],
  ["task", "Task"],
  ["requested", "Requested at"],
  ["expires", "Decide before"],
  ["quorum", "Approvals"],
  ["approvedBy", "Approved by"],
];

export function createApprovalsView(shell) {
  /** Pending approvals on screen, by id, so a refresh updates them in place and keeps what the approver is typing. */
  const items = new Map();
  /** Approvals decided in this tab; a list fetched before the decision must not bring them back. */
  const decidedIds = new Set();
  let refreshing = null;
  let loadedOnce = false;
  let errorFromRefresh = false;
  let watching = null;
  let ticker = null;
  /** Resolves once the first list after start is on screen (or could not be loaded). */
  let firstLoaded = null;

  function fillFacts(item, approval) {
    const { values } = item;
    const call = approval.kind === "call";
    setText(values.intent, visible(approval.intent));
    setText(item.callCode, exactCall(approval));
    setText(values.action, call ? visible(approval.action) : "(token issuance)");
    setText(values.resource, call ? visible(approval.resource) : "(token issuance)");
    setText(values.agent, visible(approval.agent));
    setText(
      values.actChain,
      Array.isArray(approval.act_chain) ? approval.act_chain.map(visible).join(" < ") : "the agent itself",
    );
    setText(values.owner, approval.owner ? visible(approval.owner) : "nobody (made by leash's first admin)");
    setText(values.environment, approval.environment);
    setText(values.scope, approval.scope);
    setText(values.task, visible(approval.task));
    setText(values.requested, formatTime(approval.requested_at));
    setText(values.expires, formatTime(approval.expires_at));
    setText(values.quorum, quorumText(approval));
    setText(values.approvedBy, approval.approved_by.length ? approval.approved_by.join(", ") : "nobody yet");
  }

  function fillBadges(item, approval) {
    const { envBadge, destructiveBadge } = item;
    setText(
      envBadge,
      approval.environment_protected ? `${approval.environment} · protected` : approval.environment,
    );
    envBadge.className = approval.environment_protected ? "badge environment protected" : "badge environment";
    item.root.dataset.protected = String(Boolean(approval.environment_protected));
    destructiveBadge.hidden = !approval.destructive;
  }

  function fillRecent(item, approval) {
    const records = Array.isArray(approval.recent_decisions) ? approval.recent_decisions : [];
    const texts = records.map(decisionText);
    const shown = [...item.recentList.children].map((li) => li.textContent);
    if (texts.join("\n") === shown.join("\n")) return;
    item.recentList.replaceChildren(
      ...records.map((record, index) =>
        element(
          "li",
          { "data-decision": record.decision, class: `decision-${record.decision}` },
          texts[index],
        ),
      ),
    );
    item.recentEmpty.hidden = records.length > 0;
  }

  function decisionForm({ className, inputId, label, button, input, describedBy }) {
    const form = element("form", { class: `decision ${className}` });
    const field = element("input", { id: inputId, name: inputId, "aria-describedby": describedBy, ...input });
    const submit = element("button", { type: "submit" }, button);
    form.append(element("label", { for: inputId }, label), field, submit);
    return { form, field, submit };
  }

  function buildItem(approval) {
    const id = approval.id;
    const headingId = `approval-${id}`;
    const root = element("li", { "data-approval-id": id });
    const article = element("article", { "aria-labelledby": headingId });
    const heading = element("h3", { id: headingId });
    const badges = element("p", { class: "badges" });
    const envBadge = element("span", { "data-field": "environment-badge" });
    const destructiveBadge = element(
      "span",
      { class: "badge destructive", "data-field": "destructive-badge" },
      "destructive",
    );
    const countdown = element("span", { class: "countdown", role: "timer", "data-field": "countdown" });
    badges.append(envBadge, " ", destructiveBadge, " ", countdown);
    const { list, values } = factList(PENDING_FIELDS);
    const callCode = element("code", { class: "exact-call" });
    values.call.append(callCode);
    const recent = element("section", { class: "recent", "aria-label": "This task's recent decisions" });
    const recentList = element("ol", { "data-field": "recent" });
    const recentEmpty = element("p", {}, "No earlier decisions for this task.");
    recent.append(element("h4", {}, "This task's recent decisions"), recentEmpty, recentList);
    const approveForm = decisionForm({
      className: "approve",
      inputId: `totp-${id}`,
      label: "TOTP code",
      button: "Approve",
      describedBy: headingId,
      input: {
        type: "text",
        inputmode: "numeric",
        autocomplete: "one-time-code",
        pattern: "[0-9]{6}",
        maxlength: "6",
        required: true,
        title: "six digits from your authenticator app",
      },
    });
    const denyForm = decisionForm({
      className: "deny",
      inputId: `reason-${id}`,
      label: "Reason for denying",
      button: "Deny",
      describedBy: headingId,
      input: { type: "text", maxlength: "500", required: true, autocomplete: "off" },
    });
    const factorNote = element("p", { class: "factor-note", "data-field": "factor", hidden: true });
    const passkeyButton = element("button", { type: "button", class: "passkey" }, "Approve with passkey");
    article.append(heading, badges, list, recent, factorNote, approveForm.form, passkeyButton, denyForm.form);
    root.append(article);
    const item = {
      id,
      root,
      heading,
      values,
      callCode,
      envBadge,
      destructiveBadge,
      countdown,
      recentList,
      recentEmpty,
      approval,
      approveForm,
      denyForm,
      factorNote,
      passkeyButton,
      deadline: 0,
      expired: false,
    };

    approveForm.form.addEventListener("submit", (event) => {
      event.preventDefault();
      const totp = approveForm.field.value.trim();
      approveForm.field.value = ""; // a code is good for one use; never leave it lying in the page
      void decide(item, "approve", { totp });
    });
    denyForm.form.addEventListener("submit", (event) => {
      event.preventDefault();
      void decide(item, "deny", { reason: denyForm.field.value.trim() });
    });
    passkeyButton.addEventListener("click", () => {
      void decide(item, "approve", async () => {
        // The challenge is bound to this approval and its exact call, and answers once.
        const options = await callApi("POST", `/v1/approvals/${encodeURIComponent(item.id)}/passkey-options`);
        shell.announce("Touch your authenticator to approve.");
        return { webauthn: await assertPasskey(options) };
      });
    });
    return item;
  }

  function fillFactor(item, approval) {
    const needsPasskey = approval.factor === "webauthn";
    const hasPasskey = (shell.me?.passkeys ?? []).length > 0 && passkeysSupported();
    item.approveForm.form.hidden = needsPasskey;
    item.passkeyButton.hidden = !hasPasskey;
    item.factorNote.hidden = !needsPasskey;
    setText(
      item.factorNote,
      needsPasskey
        ? hasPasskey
          ? "This request needs a passkey: approve with a touch."
          : "This request needs a passkey; add one under Passkeys first."
        : "",
    );
  }

  function updateItem(item, approval) {
    item.approval = approval;
    fillFactor(item, approval);
    setText(item.heading, visible(describeCall(approval)));
    fillBadges(item, approval);
    fillFacts(item, approval);
    fillRecent(item, approval);
    // Counted from the broker's own "time left", not from its clock against this browser's.
    if (typeof approval.expires_in_ms === "number")
      item.deadline = performance.now() + approval.expires_in_ms;
    tickItem(item);
  }

  function tickItem(item) {
    const left = item.deadline - performance.now();
    const expired = left <= 0;
    setText(item.countdown, expired ? "expired" : `${formatCountdown(left)} left to decide`);
    item.countdown.classList.toggle("urgent", !expired && left < URGENT_MS);
    if (expired !== item.expired) {
      item.expired = expired;
      item.approveForm.submit.disabled = expired;
      item.passkeyButton.disabled = expired;
    }
  }

  function setBusy(item, busy) {
    for (const control of [item.approveForm.field, item.denyForm.field, item.denyForm.submit])
      control.disabled = busy;
    item.approveForm.submit.disabled = busy || item.expired;
    item.passkeyButton.disabled = busy || item.expired;
  }

  /** Removes a pending item; if focus was inside it, puts focus on the list heading instead of losing it. */
  function removeItem(item) {
    const hadFocus = item.root.contains(document.activeElement);
    item.root.remove();
    items.delete(item.id);
    if (hadFocus) ui.pendingHeading.focus();
    ui.empty.hidden = items.size > 0;
  }

  function recordDecision(approval) {
    const li = element("li", { "data-approval-id": approval.id, "data-status": approval.status });
    const outcome =
      approval.status === "approved" ? "Approved" : approval.status === "denied" ? "Denied" : null;
    const heading = element("h3");
    heading.append(
      element("span", { class: `outcome-${approval.status}` }, `${outcome ?? approval.status}: `),
      document.createTextNode(visible(describeCall(approval))),
    );
    const { list, values } = factList([
      ["intent", "Task intent"],
      ["agent", "Agent"],
      ["environment", "Environment"],
      ["by", approval.status === "denied" ? "Denied by" : "Approved by"],
      ["reason", "Reason"],
    ]);
    values.intent.textContent = visible(approval.intent);
    values.agent.textContent = visible(approval.agent);
    values.environment.textContent = approval.environment;
    values.by.textContent =
      approval.status === "denied" ? (approval.denied_by ?? "") : approval.approved_by.join(", ");
    values.reason.textContent = approval.deny_reason ?? "-";
    const article = element("article");
    article.append(heading, list);
    li.append(article);
    ui.decided.prepend(li);
    ui.decidedEmpty.hidden = true;
  }

  async function decide(item, verb, body) {
    shell.clearError();
    setBusy(item, true);
    const what = visible(describeCall(item.approval));
    try {
      const payload = typeof body === "function" ? await body() : body;
      const result = await callApi("POST", `/v1/approvals/${encodeURIComponent(item.id)}/${verb}`, payload);
      if (result.status === "pending") {
        updateItem(item, { ...item.approval, ...result });
        shell.announce(
          `Your approval of ${what} is recorded: ${quorumText(result)}. It still needs another approver.`,
        );
        return;
      }
      decidedIds.add(item.id);
      removeItem(item);
      recordDecision(result);
      shell.announce(
        result.status === "approved"
          ? `Approved: ${what} (approved by ${result.approved_by.join(", ")}).`
          : result.status === "denied"
            ? `Denied: ${what}.`
            : `${what} is now ${result.status}.`,
      );
    } catch (error) {
      shell.showError(error, verb === "approve" ? "Approval failed: " : "Denial failed: ");
      if (error instanceof ApiError && error.status === 401) shell.signOut(false);
      // Already decided or expired elsewhere: show the list as it is now.
      if (error instanceof ApiError && (error.code === "approval_not_pending" || error.status === 404))
        void refresh();
    } finally {
      if (item.root.isConnected) setBusy(item, false);
    }
  }

  function render(approvals) {
    const sorted = approvals
      .filter((approval) => !decidedIds.has(approval.id))
      .sort((a, b) => a.requested_at.localeCompare(b.requested_at));
    const current = new Set(sorted.map((approval) => approval.id));
    let gone = 0;
    for (const item of [...items.values()]) {
      if (!current.has(item.id)) {
        removeItem(item);
        gone++;
      }
    }
    let added = 0;
    sorted.forEach((approval, index) => {
      let item = items.get(approval.id);
      if (!item) {
        item = buildItem(approval);
        items.set(approval.id, item);
        added++;
      }
      updateItem(item, approval);
      // Only move nodes that are out of place: moving the one being typed into would drop its focus.
      const at = ui.pending.children[index] ?? null;
      if (at !== item.root) ui.pending.insertBefore(item.root, at);
    });
    ui.empty.hidden = items.size > 0;
    return { added, gone };
  }

  /** Every page of GET /v1/approvals, oldest first (a page holds at most 200; the pages are bounded too). */
  async function allPending() {
    const approvals = [];
    let cursor;
    for (let page = 0; page < MAX_PAGES; page++) {
      const data = await callApi("GET", `/v1/approvals${query({ limit: 200, cursor })}`);
      if (Array.isArray(data?.approvals)) approvals.push(...data.approvals);
      cursor = typeof data?.next_cursor === "string" ? data.next_cursor : undefined;
      if (!cursor) break;
    }
    return approvals;
  }

  async function refresh() {
    if (refreshing) return refreshing;
    refreshing = (async () => {
      try {
        const { added, gone } = render(await allPending());
        ui.refreshed.textContent = `Up to date at ${new Date().toLocaleTimeString()}; changes show up as they happen.`;
        if (errorFromRefresh) shell.clearError();
        errorFromRefresh = false;
        if (!loadedOnce) {
          loadedOnce = true;
          shell.announce(
            items.size === 1
              ? "1 approval is waiting for you."
              : `${items.size} approvals are waiting for you.`,
          );
        } else if (added > 0) {
          shell.announce(added === 1 ? "1 new approval is waiting." : `${added} new approvals are waiting.`);
        } else if (gone > 0) {
          shell.announce(
            gone === 1
              ? "1 approval was decided elsewhere or expired."
              : `${gone} approvals were decided elsewhere or expired.`,
          );
        }
      } catch (error) {
        shell.showError(error, "Could not load approvals: ");
        errorFromRefresh = true;
        // A key leash does not accept (unknown, disabled, or an agent's) is dropped, not retried.
        if (error instanceof ApiError && (error.status === 401 || error.code === "human_key_required")) {
          errorFromRefresh = false;
          shell.signOut(false);
        }
      } finally {
        refreshing = null;
      }
    })();
    return refreshing;
  }

  /**
   * Keeps the list current: a long-poll answers as soon as the set of approvals this human can decide changes on
   * any broker, then the list is fetched again. The fingerprint is taken before the list, so nothing is missed.
   */
  async function watch(signal) {
    let fingerprint;
    let retryMs = RETRY_MS.first;
    while (!signal.aborted) {
      try {
        const answer = await callApi(
          "GET",
          `/v1/approvals/changes${query({ after: fingerprint, wait: fingerprint ? WATCH_WAIT_SECONDS : 0 })}`,
          undefined,
          { signal },
        );
        retryMs = RETRY_MS.first;
        if (answer.fingerprint !== fingerprint) {
          fingerprint = answer.fingerprint;
          await refreshing; // one already under way may have read the list before the fingerprint
          await refresh();
          firstLoaded?.();
        }
      } catch (error) {
        if (signal.aborted) return;
        if (!fingerprint) {
          shell.showError(error, "Could not load approvals: ");
          firstLoaded?.();
        }
        if (error instanceof ApiError && (error.status === 401 || error.code === "human_key_required")) {
          shell.signOut(false);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, retryMs));
        retryMs = Math.min(retryMs * 2, RETRY_MS.max);
      }
    }
  }

  ui.refresh.addEventListener("click", () => {
    shell.clearError();
    void refresh();
  });

  return {
    section: ui.section,
    heading: ui.pendingHeading,
    start() {
      ui.section.hidden = false;
      if (!ticker) ticker = setInterval(() => items.forEach(tickItem), 1000);
      if (watching) return refresh();
      watching = new AbortController();
      const loaded = new Promise((resolve) => {
        firstLoaded = resolve;
      });
      void watch(watching.signal);
      return loaded;
    },
    refresh,
    stop() {
      watching?.abort();
      watching = null;
      clearInterval(ticker);
      ticker = null;
      loadedOnce = false;
      for (const item of [...items.values()]) removeItem(item);
      ui.section.hidden = true;
    },
  };
}
