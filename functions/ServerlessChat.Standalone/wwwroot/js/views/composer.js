// The message box: Enter sends, Shift+Enter starts a new line, arrow up in an empty box edits one's last
// message; typing is announced to the others. A skip link at the top of the conversation leads here.
import { $ } from "../dom.js";

/**
 * `canSendEmpty()`: whether a send without text is allowed (files attached). `onEditLast()`: arrow up in an
 * empty box, as in Slack and Teams.
 */
export function mountComposer({ onSend, onTyping, onEditLast = () => {}, canSendEmpty = () => false }) {
  const input = $("message-input");
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("composer").requestSubmit();
    } else if (event.key === "ArrowUp" && !input.value && !event.shiftKey && !event.altKey && !event.ctrlKey && !event.metaKey && !event.isComposing) {
      event.preventDefault();
      onEditLast();
    }
  });
  $("skip-to-composer").addEventListener("click", () => input.focus());
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
