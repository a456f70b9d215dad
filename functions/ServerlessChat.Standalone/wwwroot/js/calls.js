// WebRTC calls between two people. Signalling goes through POST /api/calls/signal and arrives as callSignal:
// offer {sdp, kind} rings the callee; answer {sdp} connects; ice {candidate}; hangup {reason} ends it, where
// reason is "hangup", "declined", "busy" (the callee is in another call), "missed" (30 s unanswered) or
// "cancelled" (the caller gave up before an answer).
import { api } from "./api.js";
import { randomId } from "./dom.js";

export const RING_TIMEOUT_MS = 30000;

const listeners = new Set();
let call = null;
let last = { phase: "idle" };

/** The call as the view shows it: {phase, kind, peerId, direction, reason, connection, micOn, cameraOn, local, remote}. */
export const current = () => (call ? snapshot(call) : last);

export function onChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function snapshot(c) {
  return {
    phase: c.phase, kind: c.kind, peerId: c.peerId, direction: c.direction, reason: null,
    connection: c.pc ? c.pc.connectionState : "new", micOn: c.micOn, cameraOn: c.cameraOn,
    local: c.localStream, remote: c.remoteStream,
  };
}

function changed() {
  const state = current();
  for (const listener of listeners) listener(state);
}

const signal = (toUserId, callId, type, payload) =>
  api("POST", "calls/signal", payload === undefined ? { toUserId, callId, type } : { toUserId, callId, type, payload });

async function iceServers() {
  try {
    return (await api("GET", "calls/ice-servers")).iceServers || [];
  } catch {
    return [];
  }
}

const constraints = (kind) => ({ audio: true, video: kind === "video" });

function newCall(fields) {
  return {
    callId: randomId(), kind: "video", peerId: null, direction: "outgoing", phase: "idle", pc: null,
    localStream: null, remoteStream: new MediaStream(), pendingIce: [], offer: null, timer: null,
    micOn: true, cameraOn: true, ...fields,
  };
}

async function connect(c) {
  const pc = new RTCPeerConnection({ iceServers: await iceServers() });
  c.pc = pc;
  pc.onicecandidate = (event) => {
    if (event.candidate && call === c) signal(c.peerId, c.callId, "ice", { candidate: event.candidate.toJSON() }).catch(() => {});
  };
  pc.ontrack = (event) => {
    if (!c.remoteStream.getTracks().includes(event.track)) c.remoteStream.addTrack(event.track);
    changed();
  };
  pc.onconnectionstatechange = () => {
    if (call !== c) return;
    if (pc.connectionState === "connected") c.phase = "connected";
    if (pc.connectionState === "failed") {
      end(c, "failed");
      signal(c.peerId, c.callId, "hangup", { reason: "hangup" }).catch(() => {});
      return;
    }
    changed();
  };
  for (const track of c.localStream.getTracks()) pc.addTrack(track, c.localStream);
  return pc;
}

async function flushIce(c) {
  const queued = c.pendingIce;
  c.pendingIce = [];
  for (const candidate of queued) await c.pc.addIceCandidate(candidate).catch(() => {});
}

/** Calls a user (who must share a conversation with this one). */
export async function startCall(peerId, kind) {
  if (call) return;
  const c = newCall({ peerId, kind, direction: "outgoing", phase: "calling" });
  call = c;
  changed();
  try {
    c.localStream = await navigator.mediaDevices.getUserMedia(constraints(kind));
    if (call !== c) return stopMedia(c);
    const pc = await connect(c);
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    await signal(peerId, c.callId, "offer", { sdp: pc.localDescription.sdp, kind });
    c.timer = setTimeout(() => {
      if (call !== c || c.phase !== "calling") return;
      signal(peerId, c.callId, "hangup", { reason: "missed" }).catch(() => {});
      end(c, "unanswered");
    }, RING_TIMEOUT_MS);
    changed();
  } catch (error) {
    if (call === c) end(c, error && error.name === "NotAllowedError" ? "no-media" : "failed");
  }
}

export async function accept() {
  const c = call;
  if (!c || c.phase !== "ringing") return;
  clearTimeout(c.timer);
  c.phase = "connecting";
  changed();
  try {
    c.localStream = await navigator.mediaDevices.getUserMedia(constraints(c.kind));
    if (call !== c) return stopMedia(c);
    const pc = await connect(c);
    await pc.setRemoteDescription({ type: "offer", sdp: c.offer });
    await flushIce(c);
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    await signal(c.peerId, c.callId, "answer", { sdp: pc.localDescription.sdp });
    changed();
  } catch (error) {
    if (call !== c) return;
    signal(c.peerId, c.callId, "hangup", { reason: "hangup" }).catch(() => {});
    end(c, error && error.name === "NotAllowedError" ? "no-media" : "failed");
  }
}

export function decline() {
  const c = call;
  if (!c || c.phase !== "ringing") return;
  signal(c.peerId, c.callId, "hangup", { reason: "declined" }).catch(() => {});
  end(c, "declined-by-me");
}

export function hangUp() {
  const c = call;
  if (!c) return;
  if (c.phase === "ringing") return decline();
  signal(c.peerId, c.callId, "hangup", { reason: c.phase === "calling" ? "cancelled" : "hangup" }).catch(() => {});
  end(c, "ended");
}

export function toggleMic() {
  if (!call || !call.localStream) return;
  call.micOn = !call.micOn;
  for (const track of call.localStream.getAudioTracks()) track.enabled = call.micOn;
  changed();
}

export function toggleCamera() {
  if (!call || !call.localStream) return;
  call.cameraOn = !call.cameraOn;
  for (const track of call.localStream.getVideoTracks()) track.enabled = call.cameraOn;
  changed();
}

/** Clears the last call's outcome from the view. */
export function dismiss() {
  if (call) return;
  last = { phase: "idle" };
  changed();
}

function stopMedia(c) {
  if (c.localStream) for (const track of c.localStream.getTracks()) track.stop();
}

function end(c, reason) {
  if (call !== c) return;
  clearTimeout(c.timer);
  stopMedia(c);
  if (c.pc) c.pc.close();
  call = null;
  last = { phase: "ended", kind: c.kind, peerId: c.peerId, direction: c.direction, reason, connection: "closed" };
  changed();
}

/** Every callSignal from the hub. */
export async function handleSignal({ callId, fromUserId, type, payload }) {
  const c = call;
  if (type === "offer") {
    if (c && c.callId !== callId) {
      // Already in a call (or ringing for another): the caller hears "busy".
      signal(fromUserId, callId, "hangup", { reason: "busy" }).catch(() => {});
      return;
    }
    if (c || !payload || typeof payload.sdp !== "string") return;
    const ringing = newCall({
      callId, peerId: fromUserId, direction: "incoming", phase: "ringing",
      kind: payload.kind === "audio" ? "audio" : "video", offer: payload.sdp,
    });
    call = ringing;
    // The caller gives up after 30 s too; this side does not rely on hearing it.
    ringing.timer = setTimeout(() => call === ringing && ringing.phase === "ringing" && end(ringing, "missed"), RING_TIMEOUT_MS);
    changed();
    return;
  }
  if (!c || c.callId !== callId || c.peerId !== fromUserId) return;
  if (type === "answer" && c.direction === "outgoing" && c.pc && payload && typeof payload.sdp === "string") {
    clearTimeout(c.timer);
    c.phase = "connecting";
    changed();
    await c.pc.setRemoteDescription({ type: "answer", sdp: payload.sdp });
    await flushIce(c);
  } else if (type === "ice" && payload && payload.candidate) {
    if (c.pc && c.pc.remoteDescription) await c.pc.addIceCandidate(payload.candidate).catch(() => {});
    else c.pendingIce.push(payload.candidate);
  } else if (type === "hangup") {
    const reason = payload && typeof payload.reason === "string" ? payload.reason : "hangup";
    end(c, c.phase === "ringing" && (reason === "cancelled" || reason === "missed") ? "missed" : reason);
  }
}
