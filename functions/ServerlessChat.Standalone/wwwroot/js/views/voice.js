// Voice messages: a Record button beside Attach records from the microphone (MediaRecorder) and adds the
// recording to the files to send, like an attached file; audio attachments play inline in the message. Chromium
// records WebM, which the server recognizes from its bytes as video/webm, so a recording is declared as that.
import { $, el, safeUrl } from "../dom.js";
import { addFiles } from "./attachments.js";
import { addMessagePart } from "./messages.js";

const VOICE_NAME = /^voice-message[\w-]*\.(webm|ogg)$/i;
let recording = null;

const seconds = (ms) => {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
};

/** Whether an attachment is a voice message or other audio that the browser can play inline. */
export const isVoice = (a) => /^audio\//.test(a.contentType || "") || (VOICE_NAME.test(a.fileName || "") && /webm|ogg/.test(a.contentType || ""));

function renderButton() {
  const button = $("record-button");
  const status = $("record-status");
  button.textContent = recording ? "Stop" : "Record";
  button.setAttribute("aria-label", recording ? "Stop recording and add the voice message" : "Record a voice message");
  button.setAttribute("aria-pressed", recording ? "true" : "false");
  status.hidden = !recording;
  if (recording) status.textContent = `Recording ${seconds(Date.now() - recording.started)}`;
}

function fail(text) {
  const notice = $("notice");
  notice.textContent = text;
  notice.hidden = false;
}

async function start() {
  if (!navigator.mediaDevices || !window.MediaRecorder) {
    fail("This browser cannot record audio.");
    return;
  }
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  } catch {
    fail("The microphone is not available: allow it for this site to record a voice message.");
    return;
  }
  const type = ["audio/webm;codecs=opus", "audio/webm", "audio/ogg;codecs=opus"].find((t) => MediaRecorder.isTypeSupported(t)) || "";
  const recorder = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
  const chunks = [];
  recorder.addEventListener("dataavailable", (event) => event.data.size && chunks.push(event.data));
  recorder.addEventListener("stop", () => {
    for (const track of stream.getTracks()) track.stop();
    if (recorder.cancelled || !chunks.length) return;
    const ogg = /ogg/.test(recorder.mimeType);
    const stamp = new Date().toISOString().replace(/[:.]/g, "-");
    const file = new File(chunks, `voice-message-${stamp}.${ogg ? "ogg" : "webm"}`, { type: ogg ? "audio/ogg" : "video/webm" });
    addFiles([file]);
  });
  recording = { recorder, started: Date.now(), timer: setInterval(renderButton, 500) };
  recorder.start(250);
  renderButton();
}

function stop({ cancel = false } = {}) {
  if (!recording) return;
  const { recorder, timer } = recording;
  recording = null;
  clearInterval(timer);
  recorder.cancelled = cancel;
  if (recorder.state !== "inactive") recorder.stop();
  renderButton();
}

function player(message) {
  const voices = (message.attachments || []).filter((a) => isVoice(a) && safeUrl(a.url));
  if (message.deleted || !voices.length) return null;
  return el("div", { className: "voice-players" }, voices.map((a) =>
    el("audio", { className: "voice-player", attrs: { controls: true, preload: "metadata", src: a.url, "aria-label": `Voice message ${a.fileName}`, "data-testid": "voice-player" } })));
}

export function mountVoice() {
  const button = el("button", {
    className: "secondary attach", text: "Record",
    attrs: { type: "button", id: "record-button", "aria-pressed": "false", "aria-label": "Record a voice message" },
    on: { click: () => (recording ? stop() : start()) },
  });
  $("attach-button").after(button);
  $("composer").before(el("p", { className: "record-status", attrs: { id: "record-status", role: "status", hidden: true, "data-testid": "record-status" } }));
  // Esc while recording throws the recording away.
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && recording) stop({ cancel: true });
  });
  addMessagePart("after", player);
}
