// Modal dialogs (<dialog>: Esc closes, focus stays inside, and returns where it was on close).
import { $ } from "../dom.js";

/** Opens a dialog; focus goes back to where it was when it closes. */
export function openDialog(dialog, focusTarget) {
  const returnTo = document.activeElement;
  dialog.addEventListener("close", () => returnTo && returnTo.isConnected && returnTo.focus(), { once: true });
  dialog.showModal();
  if (focusTarget) focusTarget.focus();
}

/** Resolves with the dialog's returnValue once it closes ("" for Esc). */
const closed = (dialog) => new Promise((resolve) => dialog.addEventListener("close", () => resolve(dialog.returnValue), { once: true }));

export async function promptEdit(text) {
  const dialog = $("edit-dialog");
  const input = dialog.querySelector("textarea");
  input.value = text;
  dialog.returnValue = "";
  openDialog(dialog, input);
  input.select();
  const answer = await closed(dialog);
  const value = input.value.trim();
  return answer === "save" && value ? value : null;
}

export async function confirmAction(text, label) {
  const dialog = $("confirm-dialog");
  dialog.querySelector(".confirm-text").textContent = text;
  const ok = dialog.querySelector("button[value=ok]");
  ok.textContent = label;
  dialog.returnValue = "";
  openDialog(dialog, ok);
  return (await closed(dialog)) === "ok";
}

export function mountDialogs() {
  const edit = $("edit-dialog");
  edit.querySelector("textarea").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      edit.close("save");
    }
  });
  $("notice").addEventListener("click", () => {
    $("notice").hidden = true;
  });
}
