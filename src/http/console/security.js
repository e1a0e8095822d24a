// The security view (role security or admin): every live task with its budget and pending approvals, one click to
// revoke a task or lock its agent, scope or environment (with a reason, and an expiry for locks), the locks in force
// with their removal, and the audit tail with filters.
import { ApiError, callApi, query } from "./api.js";
import { element, formatTime, setText, visible } from "./dom.js";

const $ = (id) => document.getElementById(id);
const ui = {
  section: $("security"),
  heading: $("security-heading"),
  refresh: $("security-refresh"),
  refreshed: $("security-refreshed"),
  tasks: $("tasks"),
  tasksBody: $("tasks-body"),
  tasksEmpty: $("tasks-empty"),
  locks: $("locks"),
  locksBody: $("locks-body"),
  locksEmpty: $("locks-empty"),
  auditFilters: $("audit-filters"),
  audit: $("audit"),
  auditBody: $("audit-body"),
  auditEmpty: $("audit-empty"),
  dialog: $("stop-dialog"),
  stopForm: $("stop-form"),
  stopTitle: $("stop-title"),
  stopEffect: $("stop-effect"),
  stopReason: $("stop-reason"),
  stopExpiryRow: $("stop-expiry-row"),
  stopExpiry: $("stop-expiry"),
  stopConfirm: $("stop-confirm"),
  stopCancel: $("stop-cancel"),
};

/** How often the lists are read again while this view is open and the tab visible. */
const REFRESH_EVERY_MS = 15_000;
const AUDIT_LIMIT = 50;

export const canUseSecurity = (me) =>
  Boolean(me?.roles?.some((role) => role === "security" || role === "admin"));

const duration = (ms) =>
  ms % 86_400_000 === 0
    ? `${ms / 86_400_000}d`
    : ms % 3_600_000 === 0
      ? `${ms / 3_600_000}h`
      : ms % 60_000 === 0
        ? `${ms / 60_000}m`
        : `${ms / 1000}s`;

const budgetText = (budget) =>
  `${budget.match} per ${budget.key} (${budget.owner}): ${budget.used} of ${budget.max} in ${duration(budget.per_ms)}, ` +
  `${budget.remaining} left${budget.on_exceed === "revoke_task" ? ", then the task is revoked" : ""}`;

const cell = (field, text) => element("td", { "data-field": field }, text);

export function createSecurityView(shell) {
  let timer = null;
  /** What the open dialog will do when confirmed. */
  let pendingStop = null;
  let opener = null;

  function renderTasks(tasks) {
    ui.tasksBody.replaceChildren(
      ...tasks.map((task) => {
        const row = element("tr", { "data-task": task.task, "data-state": task.state });
        const what = element("td", { "data-field": "task" });
        what.append(
          element("code", {}, visible(task.task)),
          element("br"),
          document.createTextNode(visible(task.intent)),
        );
        if (task.state !== "active") what.append(element("br"), element("strong", {}, task.state));
        const budgets = element("td", { "data-field": "budgets" });
        const list = element("ul", { class: "budgets" });
        for (const budget of task.budgets)
          list.append(
            element("li", { class: budget.remaining === 0 ? "exhausted" : "" }, budgetText(budget)),
          );
        if (task.budgets.length === 0) budgets.textContent = "no limits";
        else budgets.append(list);
        const stop = element("td", { "data-field": "stop", class: "stop" });
        const button = (label, target) => {
          const node = element("button", { type: "button" }, label);
          node.addEventListener("click", () => openStop(target, node));
          return node;
        };
        stop.append(
          button("Revoke task", { kind: "task", value: task.task }),
          button("Lock agent", { kind: "agent", value: task.agent }),
          ...task.scopes.map((scope) =>
            button(task.scopes.length > 1 ? `Lock scope ${scope}` : "Lock scope", {
              kind: "scope",
              value: scope,
            }),
          ),
          ...task.environments.map((env) =>
            button(task.environments.length > 1 ? `Lock environment ${env}` : "Lock environment", {
              kind: "environment",
              value: env,
            }),
          ),
        );
        row.append(
          what,
          cell("agent", visible(task.agent)),
          cell("scope", task.scopes.join(", ")),
          cell("environment", task.environments.join(", ")),
          cell("tokens", String(task.tokens_alive)),
          cell("expires", formatTime(task.expires_at)),
          budgets,
          cell("pending", String(task.pending_approvals.length)),
          stop,
        );
        return row;
      }),
    );
    ui.tasks.hidden = tasks.length === 0;
    ui.tasksEmpty.hidden = tasks.length > 0;
  }

  function renderLocks(locks) {
    ui.locksBody.replaceChildren(
      ...locks.map((lock) => {
        const row = element("tr", { "data-lock-id": lock.id });
        const remove = element("button", { type: "button" }, "Remove");
        remove.setAttribute("aria-label", `Remove the lock on ${lock.target.kind} ${lock.target.value}`);
        remove.addEventListener("click", () => void removeLock(lock, remove));
        const lift = element("td", { "data-field": "remove" });
        lift.append(remove);
        row.append(
          cell("target", `${lock.target.kind} ${visible(lock.target.value)}`),
          cell("reason", visible(lock.reason)),
          cell("by", lock.created_by),
          cell("since", formatTime(lock.created_at)),
          cell("until", lock.expires_at ? formatTime(lock.expires_at) : "until removed"),
          lift,
        );
        return row;
      }),
    );
    ui.locks.hidden = locks.length === 0;
    ui.locksEmpty.hidden = locks.length > 0;
  }

  function renderAudit(records) {
    ui.auditBody.replaceChildren(
      ...records.map((record) => {
        const row = element("tr", { "data-event": record.event, "data-decision": record.decision ?? "" });
        const call = record.action ? `${visible(record.action)} ${visible(record.resource ?? "")}` : "";
        const decision = [record.decision, record.reason].filter(Boolean).join(": ");
        row.append(
          cell("time", formatTime(record.time)),
          cell("event", record.event),
          cell("actor", visible(record.actor ?? "")),
          cell("agent", visible(record.agent ?? "")),
          cell("environment", record.environment ?? ""),
          cell("task", visible(record.task ?? "")),
          cell("call", call),
          cell("decision", decision),
        );
        return row;
      }),
    );
    ui.audit.hidden = records.length === 0;
    ui.auditEmpty.hidden = records.length > 0;
  }

  function auditFilters() {
    const form = new FormData(ui.auditFilters);
    const value = (name) => String(form.get(name) ?? "").trim();
    return {
      task: value("task"),
      agent: value("agent"),
      environment: value("environment"),
      decision: value("decision"),
    };
  }

  async function loadAudit() {
    const data = await callApi(
      "GET",
      `/v1/audit${query({ ...auditFilters(), order: "desc", limit: AUDIT_LIMIT })}`,
    );
    renderAudit(Array.isArray(data?.records) ? data.records : []);
  }

  async function refresh() {
    try {
      const [tasks, locks] = await Promise.all([
        callApi("GET", "/v1/tasks?active=true"),
        callApi("GET", "/v1/locks"),
        loadAudit(),
      ]);
      renderTasks(tasks.tasks);
      renderLocks(locks.locks);
      setText(ui.refreshed, `Up to date at ${new Date().toLocaleTimeString()}.`);
    } catch (error) {
      shell.showError(error, "Could not load the security view: ");
      if (error instanceof ApiError && error.status === 401) shell.signOut(false);
    }
  }

  function openStop(target, button) {
    const lock = target.kind !== "task";
    pendingStop = target;
    opener = button;
    setText(
      ui.stopTitle,
      lock ? `Lock ${target.kind} ${visible(target.value)}` : `Revoke task ${visible(target.value)}`,
    );
    setText(
      ui.stopEffect,
      lock
        ? `Every token of this ${target.kind} is refused at once, and no token is minted for it while the lock is in force.`
        : "Every token of this task is refused at once, for good; the agent has to start a new task.",
    );
    setText(ui.stopConfirm, lock ? `Lock ${target.kind}` : "Revoke task");
    ui.stopExpiryRow.hidden = !lock;
    ui.stopExpiry.disabled = !lock;
    ui.stopReason.value = "";
    ui.dialog.showModal();
    ui.stopReason.focus();
  }

  function closeStop() {
    if (ui.dialog.open) ui.dialog.close();
    pendingStop = null;
    if (opener?.isConnected) opener.focus();
    else ui.heading.focus();
    opener = null;
  }

  async function confirmStop() {
    const target = pendingStop;
    if (!target) return;
    const reason = ui.stopReason.value.trim();
    const body = { [target.kind]: target.value, reason };
    if (target.kind !== "task" && ui.stopExpiry.value) body.ttl = ui.stopExpiry.value;
    ui.stopConfirm.disabled = true;
    try {
      await callApi("POST", "/v1/revocations", body);
      closeStop();
      shell.announce(
        target.kind === "task"
          ? `Task ${visible(target.value)} is revoked.`
          : `${target.kind} ${visible(target.value)} is locked${body.ttl ? ` for ${body.ttl}` : " until removed"}.`,
      );
      await refresh();
    } catch (error) {
      shell.showError(error, target.kind === "task" ? "Revoking failed: " : "Locking failed: ");
    } finally {
      ui.stopConfirm.disabled = false;
    }
  }

  async function removeLock(lock, button) {
    shell.clearError();
    button.disabled = true;
    try {
      await callApi("DELETE", `/v1/locks/${encodeURIComponent(lock.id)}`);
      shell.announce(`The lock on ${lock.target.kind} ${visible(lock.target.value)} is lifted.`);
      ui.heading.focus();
      await refresh();
    } catch (error) {
      shell.showError(error, "Removing the lock failed: ");
      button.disabled = false;
    }
  }

  ui.stopForm.addEventListener("submit", (event) => {
    event.preventDefault();
    shell.clearError();
    void confirmStop();
  });
  ui.stopCancel.addEventListener("click", () => closeStop());
  ui.dialog.addEventListener("cancel", () => {
    pendingStop = null;
  });
  ui.refresh.addEventListener("click", () => {
    shell.clearError();
    void refresh();
  });
  ui.auditFilters.addEventListener("submit", (event) => {
    event.preventDefault();
    shell.clearError();
    loadAudit().catch((error) => shell.showError(error, "Could not load the audit log: "));
  });

  return {
    section: ui.section,
    heading: ui.heading,
    start() {
      ui.section.hidden = false;
      clearInterval(timer);
      timer = setInterval(() => {
        if (!document.hidden && !ui.dialog.open) void refresh();
      }, REFRESH_EVERY_MS);
      return refresh();
    },
    stop() {
      clearInterval(timer);
      timer = null;
      if (ui.dialog.open) ui.dialog.close();
      ui.section.hidden = true;
    },
  };
}
