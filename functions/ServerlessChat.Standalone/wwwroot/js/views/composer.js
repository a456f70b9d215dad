// The message box: Enter sends, Shift+Enter starts a new line; typing is announced to the others.
import { $ } from "../dom.js";

/** `canSendEmpty()`: whether a send without text is allowed (files attached). */
export function mountComposer({ onSend, onTyping, canSendEmpty = () => false }) {
  const input = $("message-input");
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("composer").requestSubmit();
    }
  });
  input.addEventListener("input", () => {
    if (input.value.trim()) onTyping();
  });
  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const content = input.value.trim();
    if (!content && !canSendEmpty()) return;
    input.value = "";
    onSend(content);
  });
}

export function resetComposer({ focus = true } = {}) {
  const input = $("message-input");
  input.value = "";
  if (focus) input.focus();
}
