// The reset email links here with ?token=...; the token is only ever sent back to the API. It leaves the address
// bar at once and lives in this module only, so history, bookmarks, a shared screen or a copied URL do not keep it.
import { anonymous, ApiError, loadConfig } from "../js/api.js";
import { showText } from "../js/dom.js";

const form = document.getElementById("reset-form");
const error = form.querySelector(".form-error");
const info = form.querySelector(".form-info");
const token = new URLSearchParams(location.search).get("token");
if (location.search || location.hash) {
  history.replaceState(null, "", location.pathname);
}

if (!token) {
  showText(error, "This link has no reset token. Ask for a new reset email.");
  form.querySelector("button").disabled = true;
}

const configured = loadConfig();

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  showText(error, "");
  showText(info, "");
  const newPassword = form.elements.newPassword.value;
  if (newPassword !== form.elements.repeat.value) {
    showText(error, "The two passwords differ.");
    return;
  }

  const button = form.querySelector("button");
  button.disabled = true;
  try {
    await configured;
    await anonymous("POST", "auth/password-reset/confirm", { token, newPassword });
    form.reset();
    showText(info, "Your password is changed. Sign in with the new one.");
  } catch (failure) {
    showText(error, failure instanceof ApiError ? failure.message : "The server cannot be reached. Try again.");
    button.disabled = false;
  }
});
