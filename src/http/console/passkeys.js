// The passkeys view: a human sees their passkeys and enrols one (with a current TOTP code, so a stolen key alone
// cannot add a factor); afterwards they approve with a touch instead of a code.
import { callApi } from "./api.js";
import { element, formatTime } from "./dom.js";
import { createPasskey, passkeysSupported } from "./webauthn.js";

const $ = (id) => document.getElementById(id);
const ui = {
  section: $("passkeys"),
  heading: $("passkeys-heading"),
  list: $("passkey-list"),
  empty: $("passkeys-empty"),
  form: $("passkey-form"),
  totp: $("passkey-totp"),
  submit: $("passkey-add"),
};

export function createPasskeysView(shell) {
  function render() {
    const passkeys = shell.me?.passkeys ?? [];
    ui.list.replaceChildren(
      ...passkeys.map((passkey) =>
        element("li", { "data-passkey-id": passkey.id }, `Passkey added ${formatTime(passkey.created_at)}`),
      ),
    );
    ui.empty.hidden = passkeys.length > 0;
  }

  ui.form.addEventListener("submit", async (event) => {
    event.preventDefault();
    shell.clearError();
    const totp = ui.totp.value.trim();
    ui.totp.value = "";
    if (!passkeysSupported()) {
      shell.showError(new Error("this browser cannot use passkeys"));
      return;
    }
    ui.submit.disabled = true;
    try {
      const options = await callApi("POST", "/v1/humans/me/passkeys/options");
      shell.announce("Touch your authenticator to create the passkey.");
      const response = await createPasskey(options);
      shell.me = await callApi("POST", "/v1/humans/me/passkeys", { totp, response });
      render();
      shell.announce("Passkey added: you can approve with a touch.");
    } catch (error) {
      shell.showError(error, "Adding the passkey failed: ");
    } finally {
      ui.submit.disabled = false;
    }
  });

  return {
    section: ui.section,
    heading: ui.heading,
    start() {
      ui.section.hidden = false;
      render();
    },
    stop() {
      ui.section.hidden = true;
    },
  };
}
