// The call panel: ringing, calling, in a call (videos, mic and camera toggles), and how the last call ended.
import { $ } from "../dom.js";
import * as calls from "../calls.js";
import * as store from "../state.js";

function statusText(state, name) {
  switch (state.phase) {
    case "calling": return `Calling ${name}…`;
    case "ringing": return `${name} is calling you (${state.kind === "audio" ? "audio" : "video"})`;
    case "connecting": return `Connecting to ${name}…`;
    case "connected": return `In a call with ${name}`;
    case "ended":
      switch (state.reason) {
        case "declined": return `${name} declined the call`;
        case "busy": return `${name} is busy in another call`;
        case "unanswered": return `${name} did not answer`;
        case "missed": return `Missed call from ${name}`;
        case "no-media": return "The camera or microphone is not available";
        case "failed": return "The call could not be connected";
        default: return "Call ended";
      }
    default: return "";
  }
}

const show = (id, visible) => {
  $(id).hidden = !visible;
};

let shownPhase = "idle";

function render(state) {
  const entered = state.phase !== shownPhase;
  shownPhase = state.phase;
  const panel = $("call-panel");
  panel.hidden = state.phase === "idle";
  panel.dataset.state = state.phase;
  panel.dataset.connection = state.connection || "new";
  panel.dataset.kind = state.kind || "video";
  if (state.phase === "idle") return;
  $("call-status").textContent = statusText(state, state.peerId ? store.userName(state.peerId) : "");
  const live = ["calling", "connecting", "connected"].includes(state.phase);
  show("call-accept-button", state.phase === "ringing");
  show("call-decline-button", state.phase === "ringing" || state.phase === "ended");
  $("call-decline-button").textContent = state.phase === "ended" ? "Close" : "Decline";
  show("call-hangup-button", live);
  show("call-mic-button", live);
  show("call-camera-button", live && state.kind === "video");
  // Each button says what it does ("Mute"), not what the state is ("Microphone on" read as a status).
  $("call-mic-button").textContent = state.micOn ? "Mute" : "Unmute";
  $("call-mic-button").setAttribute("aria-label", state.micOn ? "Mute the microphone" : "Unmute the microphone");
  $("call-camera-button").textContent = state.cameraOn ? "Stop video" : "Start video";
  $("call-camera-button").setAttribute("aria-label", state.cameraOn ? "Turn the camera off" : "Turn the camera on");
  const local = $("local-video");
  const remote = $("remote-video");
  if (local.srcObject !== (state.local || null)) local.srcObject = state.local || null;
  if (remote.srcObject !== (state.remote || null)) remote.srcObject = state.remote || null;
  // Focus follows what the user now has to decide.
  if (entered && state.phase === "ringing") $("call-accept-button").focus();
  if (entered && state.phase === "calling") $("call-hangup-button").focus();
}

export function mountCallView() {
  calls.onChange(render);
  store.subscribe("presence", () => render(calls.current()));
  $("call-accept-button").addEventListener("click", () => calls.accept());
  $("call-decline-button").addEventListener("click", () => {
    if (calls.current().phase !== "ended") calls.decline();
    calls.dismiss();
  });
  // The one who ends a call knows it ended: the panel goes at once instead of covering the message box.
  $("call-hangup-button").addEventListener("click", () => {
    calls.hangUp();
    calls.dismiss();
  });
  $("call-mic-button").addEventListener("click", () => calls.toggleMic());
  $("call-camera-button").addEventListener("click", () => calls.toggleCamera());
  $("call-panel").addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    const phase = calls.current().phase;
    if (phase === "ended") calls.dismiss();
    else if (phase === "ringing") calls.decline();
  });
  const start = (kind) => {
    const c = store.activeConversation();
    if (c && c.type === "direct" && !c.localOnly) calls.startCall(c.peer.id, kind);
  };
  $("call-audio-button").addEventListener("click", () => start("audio"));
  $("call-video-button").addEventListener("click", () => start("video"));
}
