// WebAuthn ceremonies for haechi's pages: adding a passkey, and signing in with one.
// Byte fields travel as base64url in JSON; the browser's API wants ArrayBuffers.
"use strict";
(function () {
  function toBytes(text) {
    const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    const raw = atob(b64 + "===".slice((b64.length + 3) % 4));
    return Uint8Array.from(raw, (c) => c.charCodeAt(0)).buffer;
  }
  function toText(buffer) {
    let raw = "";
    new Uint8Array(buffer).forEach((b) => { raw += String.fromCharCode(b); });
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  async function post(url, csrf, body) {
    const answer = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body || {}),
      credentials: "same-origin",
    });
    const data = await answer.json();
    if (!answer.ok) throw new Error(data.detail || answer.statusText);
    return data;
  }
  function say(text) {
    const place = document.getElementById("passkey-status");
    if (place) place.textContent = text;
  }
  const add = document.getElementById("add-passkey");
  if (add) {
    add.addEventListener("submit", async (event) => {
      event.preventDefault();
      const csrf = add.dataset.csrf;
      try {
        const options = await post("/api/v1/passkeys/registration/options", csrf);
        options.challenge = toBytes(options.challenge);
        options.user.id = toBytes(options.user.id);
        (options.excludeCredentials || []).forEach((c) => { c.id = toBytes(c.id); });
        const made = await navigator.credentials.create({ publicKey: options });
        await post("/api/v1/passkeys/registration", csrf, {
          name: add.elements.name.value,
          credential: {
            id: made.id, rawId: toText(made.rawId), type: made.type,
            response: {
              clientDataJSON: toText(made.response.clientDataJSON),
              attestationObject: toText(made.response.attestationObject),
              transports: made.response.getTransports ? made.response.getTransports() : [],
            },
          },
        });
        window.location.reload();
      } catch (error) { say(String(error.message || error)); }
    });
  }
  const use = document.getElementById("use-passkey");
  if (use) {
    use.addEventListener("click", async (event) => {
      event.preventDefault();
      const csrf = use.dataset.csrf;
      try {
        const options = await post("/signin/passkey/options", csrf);
        options.challenge = toBytes(options.challenge);
        (options.allowCredentials || []).forEach((c) => { c.id = toBytes(c.id); });
        const got = await navigator.credentials.get({ publicKey: options });
        const done = await post("/signin/passkey", csrf, {
          id: got.id, rawId: toText(got.rawId), type: got.type,
          response: {
            clientDataJSON: toText(got.response.clientDataJSON),
            authenticatorData: toText(got.response.authenticatorData),
            signature: toText(got.response.signature),
            userHandle: got.response.userHandle ? toText(got.response.userHandle) : null,
          },
        });
        window.location.assign(done.next || "/");
      } catch (error) { say(String(error.message || error)); }
    });
  }
})();
