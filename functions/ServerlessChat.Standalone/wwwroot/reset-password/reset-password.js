"use strict";

// The reset email links here with ?token=...; the token is only ever sent back to the API.
(() => {
  const form = document.getElementById("reset-form");
  const error = form.querySelector(".form-error");
  const info = form.querySelector(".form-info");
  const token = new URLSearchParams(location.search).get("token");

  function show(element, text) {
    element.textContent = text;
    element.hidden = !text;
  }

  if (!token) {
    show(error, "This link has no reset token. Ask for a new reset email.");
    form.querySelector("button").disabled = true;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    show(error, "");
    show(info, "");
    const newPassword = form.elements.newPassword.value;
    if (newPassword !== form.elements.repeat.value) {
      show(error, "The two passwords differ.");
      return;
    }

    const button = form.querySelector("button");
    button.disabled = true;
    try {
      const response = await fetch(new URL("../api/auth/password-reset/confirm", location.href), {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ token, newPassword }),
      });
      if (response.status === 204) {
        form.reset();
        show(info, "Your password is changed. Sign in with the new one.");
        return;
      }

      const problem = await response.json().catch(() => null);
      const details = problem && problem.errors ? Object.values(problem.errors).flat() : [];
      show(error, details.length ? details.join(" ") : (problem && (problem.detail || problem.title)) || `The reset failed (${response.status}).`);
      button.disabled = false;
    } catch {
      show(error, "The server cannot be reached. Try again.");
      button.disabled = false;
    }
  });
})();
