// leash console: a human signs in with their lsh_ key; approvers decide pending approvals, security (and admins) watch
// live tasks, revoke and lock. Everything shown from the server is set with textContent: intents, resources and
// commands are written by agents, not trusted.
import { ApiError, callApi, KEY_STORAGE, storedKey } from "./api.js";
import { createApprovalsView } from "./approvals.js";
import { createPasskeysView } from "./passkeys.js";
import { canUseSecurity, createSecurityView } from "./security.js";

const $ = (id) => document.getElementById(id);
const ui = {
  status: $("status"),
  error: $("error"),
  signIn: $("sign-in"),
  signInForm: $("sign-in-form"),
  apiKey: $("api-key"),
  signedIn: $("signed-in"),
  who: $("who"),
  signOut: $("sign-out"),
  nav: $("views"),
};

const shell = {
  announce(message) {
    ui.status.textContent = message;
  },
  showError(error, prefix = "") {
    const code = error instanceof ApiError ? ` (${error.code})` : "";
    ui.error.textContent = `${prefix}${error.message}${code}`;
  },
  clearError() {
    ui.error.textContent = "";
  },
  signOut: (announceIt) => signOut(announceIt),
  /** The signed-in human (`GET /v1/humans/me`), or null before it is known. */
  me: null,
};

/** Views by name; a view is shown to everyone who can use it (`allowed`), one at a time. */
const views = new Map([
  ["approvals", { view: createApprovalsView(shell), allowed: () => true }],
  ["security", { view: createSecurityView(shell), allowed: canUseSecurity }],
  ["passkeys", { view: createPasskeysView(shell), allowed: () => true }],
]);
let shown = null;

const navButton = (name) => ui.nav.querySelector(`button[data-view="${name}"]`);

async function show(name) {
  const entry = views.get(name);
  if (!entry?.allowed(shell.me)) return;
  for (const [other, { view }] of views) {
    if (other !== name) view.stop();
    const button = navButton(other);
    if (button) button.setAttribute("aria-current", other === name ? "page" : "false");
  }
  shown = name;
  await entry.view.start();
  if (storedKey() && shown === name) entry.view.heading.focus();
}

function showSignedIn() {
  ui.signIn.hidden = true;
  ui.signedIn.hidden = false;
  ui.who.textContent = shell.me ? `${shell.me.id} (${shell.me.roles.join(", ")})` : "";
  for (const [name, entry] of views) {
    const button = navButton(name);
    if (button) button.hidden = !entry.allowed(shell.me);
  }
  ui.nav.hidden = false;
}

function signOut(announceIt = true) {
  sessionStorage.removeItem(KEY_STORAGE);
  shell.me = null;
  shown = null;
  for (const { view } of views.values()) view.stop();
  ui.signIn.hidden = false;
  ui.signedIn.hidden = true;
  ui.nav.hidden = true;
  ui.apiKey.value = "";
  ui.apiKey.focus();
  if (announceIt) shell.announce("Signed out; the key is forgotten.");
}

/** Who the key belongs to; a key leash does not take is forgotten at once. */
async function loadMe() {
  try {
    shell.me = await callApi("GET", "/v1/humans/me");
    return true;
  } catch (error) {
    shell.showError(error, "Could not sign in: ");
    if (error instanceof ApiError && (error.status === 401 || error.status === 403)) signOut(false);
    return false;
  }
}

async function begin() {
  if (!(await loadMe())) return;
  showSignedIn();
  // Approvers land on their approvals; security and admins who approve nothing, on the security view.
  const approves = shell.me.roles.some((role) => role.startsWith("approver:"));
  await show(!approves && canUseSecurity(shell.me) ? "security" : "approvals");
}

ui.signInForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  shell.clearError();
  const key = ui.apiKey.value.trim();
  ui.apiKey.value = "";
  if (!key.startsWith("lsh_")) {
    shell.showError(new Error("a human key starts with lsh_ (agent keys, lsk_, can never approve)"));
    ui.apiKey.focus();
    return;
  }
  sessionStorage.setItem(KEY_STORAGE, key);
  await begin();
});

ui.signOut.addEventListener("click", () => signOut());
ui.nav.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-view]");
  if (button) {
    shell.clearError();
    void show(button.dataset.view);
  }
});

if (storedKey()) void begin();
