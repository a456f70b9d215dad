// The account's REST calls (API.md "Users", "Sessions and the account", "Trust and safety"), in one place for
// the settings, report and moderation views. Every call goes through api.js's request helper.
import { api } from "./api.js";
import { uploadBytes } from "./views/attachments.js";

const id = (value) => encodeURIComponent(value);
const query = (params) => {
  const entries = Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== "");
  return entries.length ? `?${new URLSearchParams(entries)}` : "";
};

// ---- profile ----------------------------------------------------------------------------------------------

export const getMe = () => api("GET", "users/me");
export const getUser = (userId) => api("GET", `users/${id(userId)}`);
/** `{displayName?, status?, avatarAttachmentId?}`: a field left out stays; `status: null` / `avatarAttachmentId: null` clear. */
export const updateProfile = (changes) => api("PATCH", "users/me", changes);

/** Uploads a file to a fresh slot and resolves with the attachment id (for an avatar: an image). */
export async function uploadFile(file, onProgress = () => {}) {
  const slot = await api("POST", "attachments", { fileName: file.name, contentType: file.type || "application/octet-stream", size: file.size });
  await uploadBytes(slot, file, onProgress);
  return slot.id;
}

// ---- sessions, password, the account ----------------------------------------------------------------------

export const listSessions = () => api("GET", "auth/sessions");
export const endSessionById = (sessionId) => api("DELETE", `auth/sessions/${id(sessionId)}`);
export const endOtherSessions = () => api("DELETE", "auth/sessions");
export const changePassword = (currentPassword, newPassword) => api("POST", "auth/password", { currentPassword, newPassword });
export const deleteAccount = (password) => api("DELETE", "users/me", { password });
export const requestExport = () => api("POST", "users/me/export");
export const getExport = (exportId) => api("GET", `users/me/export/${id(exportId)}`);

// ---- reports and moderation -------------------------------------------------------------------------------

export const REPORT_REASONS = ["spam", "harassment", "hate", "sexual", "violence", "self-harm", "other"];

/** `target`: `{messageId}` or `{userId}`. */
export const report = (target, reason, note) => api("POST", "reports", { ...target, reason, note: note || undefined });

export const listReports = (status, before) => api("GET", `moderation/reports${query({ status, before, limit: 20 })}`);
export const resolveReport = (reportId, action, { note, days } = {}) =>
  api("POST", `moderation/reports/${id(reportId)}/resolve`, { action, note: note || undefined, days: days || undefined });
export const removeMessage = (messageId) => api("DELETE", `moderation/messages/${id(messageId)}`);
export const suspendUser = (userId, reason, until) => api("PUT", `moderation/users/${id(userId)}/suspension`, { reason, until: until || undefined });
export const liftSuspension = (userId) => api("DELETE", `moderation/users/${id(userId)}/suspension`);
export const setRole = (userId, role) => api("PUT", `moderation/users/${id(userId)}/role`, { role });
export const listAudit = (before) => api("GET", `moderation/audit${query({ before, limit: 20 })}`);
