// Sign in, sign up, forgot password.
import { anonymous, ApiError, signIn, signUp } from "../api.js";
import { $, showText } from "../dom.js";

function handleForm(form, action) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    showText(form.querySelector(".form-error"), "");
    showText(form.querySelector(".form-info"), "");
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      await action(form.elements);
    } catch (error) {
      showText(form.querySelector(".form-error"), error instanceof ApiError ? error.message : "The server cannot be reached. Try again.");
    } finally {
      button.disabled = false;
    }
  });
}

/** `onSignedIn(session)` runs after a sign in or sign up. */
export function mountAuth({ onSignedIn }) {
  handleForm($("signin-form"), async (fields) => {
    const login = fields.login.value.trim();
    const body = login.includes("@") ? { email: login } : { username: login };
    body.password = fields.password.value;
    onSignedIn(await signIn(body));
  });

  handleForm($("signup-form"), async (fields) => {
    const body = { username: fields.username.value.trim(), email: fields.email.value.trim(), password: fields.password.value };
    if (fields.displayName.value.trim()) body.displayName = fields.displayName.value.trim();
    onSignedIn(await signUp(body));
  });

  handleForm($("forgot-form"), async (fields) => {
    await anonymous("POST", "auth/password-reset", { email: fields.email.value.trim() });
    showText($("forgot-form").querySelector(".form-info"), "If that address has an account, a reset link is on its way.");
  });

  $("forgot-button").addEventListener("click", () => {
    $("forgot-form").hidden = false;
    $("forgot-form").elements.email.focus();
  });
}

export function showAuth(message) {
  $("chat-view").hidden = true;
  $("auth-view").hidden = false;
  for (const form of document.querySelectorAll("#auth-view form")) form.reset();
  showText($("signin-form").querySelector(".form-error"), message);
  $("signin-form").elements.login.focus();
}

export function hideAuth() {
  $("auth-view").hidden = true;
  $("chat-view").hidden = false;
}
