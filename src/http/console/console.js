// leash approvals console: an approver signs in with their lsh_ key and approves (TOTP) or denies pending approvals.
// Everything shown from the server is set with textContent: intents and resources are written by agents, not trusted.

const KEY_STORAGE = "leash.console.apiKey";
const REFRESH_EVERY_MS = 5000;

const $ = (id) => document.getElementById(id);
const ui = {
  status: $("status"),
  error: $("error"),
  signIn: $("sign-in"),
  signInForm: $("sign-in-form"),
  apiKey: $("api-key"),
  signedIn: $("signed-in"),
  signOut: $("sign-out"),
  approvals: $("approvals"),
  pendingHeading: $("pending-heading"),
  refresh: $("refresh"),
  refreshed: $("refreshed"),
  empty: $("empty"),
  pending: $("pending"),
  decided: $("decided"),
  decidedEmpty: $("decided-empty"),
};

/** A failed call: the problem+json `code` and `detail` leash answered, or a network failure. */
class ApiError extends Error {
  constructor(status, code, detail) {
    super(detail);
    this.status = status;
    this.code = code;
  }
}

/** Pending approvals on screen, by id, so a refresh updates them in place and keeps what the approver is typing. */
const items = new Map();
/** Approvals decided in this tab; a list fetched before the decision must not bring them back. */
const decidedIds = new Set();
let refreshTimer = null;
let refreshing = null;
let loadedOnce = false;
let errorFromRefresh = false;

const storedKey = () => sessionStorage.getItem(KEY_STORAGE);

async function callApi(method, path, body) {
  const key = storedKey();
  if (!key) throw new ApiError(401, "signed_out", "you are signed out; sign in with your approver key");
  const headers = { authorization: `Bearer ${key}`, accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
      credentials: "omit",
      redirect: "error",
    });
  } catch (error) {
    throw new ApiError(0, "network_error", `leash could not be reached (${error.message})`);
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const code = typeof data?.code === "string" ? data.code : `http_${response.status}`;
    const detail = typeof data?.detail === "string" ? data.detail : response.statusText || "request failed";
    throw new ApiError(response.status, code, detail);
  }
  return data;
}

function announce(message) {
  ui.status.textContent = message;
}

function showError(error, prefix = "") {
  const code = error instanceof ApiError ? ` (${error.code})` : "";
  ui.error.textContent = `${prefix}${error.message}${code}`;
}

function clearError() {
  ui.error.textContent = "";
  errorFromRefresh = false;
}

const describeCall = (approval) =>
  approval.kind === "call"
    ? `${approval.action} on ${approval.resource}`
    : `a token for scope ${approval.scope} in ${approval.environment}`;

const formatTime = (iso) => {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : date.toLocaleString();
};

const quorumText = (approval) =>
  `${approval.approved_by.length} of ${approval.quorum} (approvers: ${approval.approvers.join(", ")})`;

function element(tag, attributes = {}, text) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

/** The facts an approver needs, as a description list; returns the <dd> per field so a refresh can update them. */
function factList(fields) {
  const list = element("dl");
  const values = {};
  for (const [name, label] of fields) {
    list.append(element("dt", {}, label));
    values[name] = element("dd", { "data-field": name });
    list.append(values[name]);
  }
  return { list, values };
}

const PENDING_FIELDS = [
  ["intent", "Task intent"],
  ["action", "Action"],
  ["resource", "Resource"],
  ["agent", "Agent"],
  ["environment", "Environment"],
  ["scope", "Scope"],
  ["task", "Task"],
  ["requested", "Requested at"],
  ["expires", "Decide before"],
  ["quorum", "Approvals"],
  ["approvedBy", "Approved by"],
];

function fillFacts(values, approval) {
  const set = (name, text) => {
    if (values[name] && values[name].textContent !== text) values[name].textContent = text;
  };
  set("intent", approval.intent);
  set("action", approval.kind === "call" ? approval.action : "(token issuance)");
  set("resource", approval.kind === "call" ? approval.resource : "(token issuance)");
  set("agent", approval.agent);
  set("environment", approval.environment);
  set("scope", approval.scope);
  set("task", approval.task);
  set("requested", formatTime(approval.requested_at));
  set("expires", formatTime(approval.expires_at));
  set("quorum", quorumText(approval));
  set("approvedBy", approval.approved_by.length ? approval.approved_by.join(", ") : "nobody yet");
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
  const { list, values } = factList(PENDING_FIELDS);
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
      required: "",
      title: "six digits from your authenticator app",
    },
  });
  const denyForm = decisionForm({
    className: "deny",
    inputId: `reason-${id}`,
    label: "Reason for denying",
    button: "Deny",
    describedBy: headingId,
    input: { type: "text", maxlength: "500", required: "", autocomplete: "off" },
  });
  article.append(heading, list, approveForm.form, denyForm.form);
  root.append(article);
  const item = { id, root, heading, values, approval, approveForm, denyForm };

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
  return item;
}

function updateItem(item, approval) {
  item.approval = approval;
  const title = describeCall(approval);
  if (item.heading.textContent !== title) item.heading.textContent = title;
  fillFacts(item.values, approval);
}

function setBusy(item, busy) {
  for (const control of [
    item.approveForm.field,
    item.approveForm.submit,
    item.denyForm.field,
    item.denyForm.submit,
  ]) {
    control.disabled = busy;
  }
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
    document.createTextNode(describeCall(approval)),
  );
  const { list, values } = factList([
    ["intent", "Task intent"],
    ["agent", "Agent"],
    ["environment", "Environment"],
    ["by", approval.status === "denied" ? "Denied by" : "Approved by"],
    ["reason", "Reason"],
  ]);
  values.intent.textContent = approval.intent;
  values.agent.textContent = approval.agent;
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
  clearError();
  setBusy(item, true);
  const what = describeCall(item.approval);
  try {
    const result = await callApi("POST", `/v1/approvals/${encodeURIComponent(item.id)}/${verb}`, body);
    if (result.status === "pending") {
      updateItem(item, result);
      announce(
        `Your approval of ${what} is recorded: ${quorumText(result)}. It still needs another approver.`,
      );
      return;
    }
    decidedIds.add(item.id);
    removeItem(item);
    recordDecision(result);
    announce(
      result.status === "approved"
        ? `Approved: ${what} (approved by ${result.approved_by.join(", ")}).`
        : result.status === "denied"
          ? `Denied: ${what}.`
          : `${what} is now ${result.status}.`,
    );
  } catch (error) {
    showError(error, verb === "approve" ? "Approval failed: " : "Denial failed: ");
    if (error instanceof ApiError && error.status === 401) signOut(false);
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
  for (const item of [...items.values()]) if (!current.has(item.id)) removeItem(item);
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
  return added;
}

async function refresh() {
  if (refreshing) return refreshing;
  refreshing = (async () => {
    try {
      const data = await callApi("GET", "/v1/approvals");
      const added = render(Array.isArray(data?.approvals) ? data.approvals : []);
      ui.refreshed.textContent = `Last refreshed ${new Date().toLocaleTimeString()}; refreshes every ${REFRESH_EVERY_MS / 1000} seconds.`;
      if (errorFromRefresh) clearError();
      if (!loadedOnce) {
        loadedOnce = true;
        announce(
          items.size === 1
            ? "1 approval is waiting for you."
            : `${items.size} approvals are waiting for you.`,
        );
      } else if (added > 0) {
        announce(added === 1 ? "1 new approval is waiting." : `${added} new approvals are waiting.`);
      }
    } catch (error) {
      showError(error, "Could not load approvals: ");
      errorFromRefresh = true;
      // A key leash does not accept (unknown, disabled, or an agent's) is dropped, not retried every few seconds.
      if (error instanceof ApiError && (error.status === 401 || error.code === "human_key_required")) {
        errorFromRefresh = false;
        signOut(false);
      }
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

function showSignedIn() {
  ui.signIn.hidden = true;
  ui.signedIn.hidden = false;
  ui.approvals.hidden = false;
  clearInterval(refreshTimer);
  refreshTimer = setInterval(() => {
    if (!document.hidden) void refresh();
  }, REFRESH_EVERY_MS);
}

function signOut(announceIt = true) {
  sessionStorage.removeItem(KEY_STORAGE);
  clearInterval(refreshTimer);
  refreshTimer = null;
  loadedOnce = false;
  for (const item of [...items.values()]) removeItem(item);
  ui.signIn.hidden = false;
  ui.signedIn.hidden = true;
  ui.approvals.hidden = true;
  ui.apiKey.value = "";
  ui.apiKey.focus();
  if (announceIt) announce("Signed out; the key is forgotten.");
}

ui.signInForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearError();
  const key = ui.apiKey.value.trim();
  ui.apiKey.value = "";
  if (!key.startsWith("lsh_")) {
    showError(new Error("an approver key starts with lsh_ (agent keys, lsk_, can never approve)"));
    ui.apiKey.focus();
    return;
  }
  sessionStorage.setItem(KEY_STORAGE, key);
  showSignedIn();
  await refresh();
  if (storedKey()) ui.pendingHeading.focus();
});

ui.signOut.addEventListener("click", () => signOut());
ui.refresh.addEventListener("click", () => {
  clearError();
  void refresh();
});
document.addEventListener("visibilitychange", () => {
  if (!document.hidden && storedKey()) void refresh();
});

if (storedKey()) {
  showSignedIn();
  void refresh();
}
