// Attachments: picking files (button or drop onto the conversation), uploading each with its own progress
// bar to the slot POST /api/attachments hands out, and showing what a message carries (image thumbnails that
// open full size, other files as download chips). The upload goes to the slot exactly as described: its
// method, its URL (absolute or relative to the API origin) and its headers, never the bearer token.
import { api, apiBase, ApiError } from "../api.js";
import { $, el, safeUrl } from "../dom.js";

// Uploads of the composer: {file, id, status: "uploading" | "ready" | "failed", progress, error}.
let uploads = [];
let changed = () => {};

export function formatSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

function problemOf(xhr) {
  try {
    return JSON.parse(xhr.responseText);
  } catch {
    return null;
  }
}

/** Sends the bytes to the slot with XHR (fetch has no upload progress). Resolves when stored. */
export function uploadBytes(slot, file, onProgress) {
  const url = safeUrl(new URL(slot.uploadUrl, new URL(apiBase()).origin).href);
  if (!url) return Promise.reject(new Error("The upload address is not usable."));
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(slot.uploadMethod, url);
    for (const [name, value] of Object.entries(slot.uploadHeaders || {})) xhr.setRequestHeader(name, value);
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    xhr.addEventListener("load", () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve();
      else reject(new ApiError(xhr.status, problemOf(xhr)));
    });
    xhr.addEventListener("error", () => reject(new Error("The upload could not reach the storage.")));
    xhr.send(file);
  });
}

async function upload(entry) {
  try {
    const { file } = entry;
    const slot = await api("POST", "attachments", { fileName: file.name, contentType: file.type || "application/octet-stream", size: file.size });
    entry.id = slot.id;
    await uploadBytes(slot, file, (progress) => {
      entry.progress = progress;
      render();
    });
    entry.status = "ready";
    entry.progress = 1;
  } catch (error) {
    entry.status = "failed";
    entry.error = error.message || "The upload failed.";
  }
  render();
}

export function addFiles(files) {
  for (const file of files) {
    const entry = { file, id: null, status: "uploading", progress: 0, error: null };
    uploads.push(entry);
    upload(entry);
  }
  render();
}

function render() {
  const list = $("upload-list");
  list.hidden = !uploads.length;
  list.replaceChildren(...uploads.map((entry) =>
    el("li", { className: `upload ${entry.status}`, attrs: { "data-testid": "upload" } }, [
      el("span", { className: "upload-name", text: `${entry.file.name} (${formatSize(entry.file.size)})` }),
      entry.status === "failed"
        ? el("span", { className: "upload-error", text: `Upload failed: ${entry.error}`, attrs: { role: "alert" } })
        : el("progress", { attrs: { max: "1", value: String(entry.progress), "aria-label": `Upload of ${entry.file.name}` } }),
      el("button", {
        className: "link", text: "Remove", attrs: { type: "button", "aria-label": `Remove ${entry.file.name}` },
        on: { click: () => { uploads = uploads.filter((u) => u !== entry); render(); } },
      }),
    ])));
  changed();
}

/** Whether the composer may send: something uploaded and nothing still uploading. */
export const hasReadyUploads = () => uploads.some((u) => u.status === "ready") && !uploads.some((u) => u.status === "uploading");
export const uploading = () => uploads.some((u) => u.status === "uploading");

/** The uploaded attachments for a send; the composer's list is cleared. */
export function takeUploads() {
  const ready = uploads.filter((u) => u.status === "ready");
  uploads = uploads.filter((u) => u.status === "failed");
  render();
  return ready.map((u) => ({ id: u.id, fileName: u.file.name, contentType: u.file.type, size: u.file.size, processing: true }));
}

export function clearUploads() {
  uploads = [];
  render();
}

/** What kind of file it is, for its card: a short label on the icon and a word for the line under the name. */
export function fileKind(fileName, contentType) {
  const type = (contentType || "").toLowerCase();
  const extension = (/\.([a-z0-9]{1,8})$/i.exec(fileName || "") || [])[1]?.toLowerCase() || "";
  const is = (pattern, extensions) => pattern.test(type) || extensions.includes(extension);
  if (is(/^application\/pdf$/, ["pdf"])) return { kind: "pdf", label: "PDF", word: "PDF document" };
  if (is(/^image\//, ["png", "jpg", "jpeg", "gif", "webp", "heic"])) return { kind: "image", label: "IMG", word: "Image" };
  if (is(/^video\//, ["mp4", "mov", "webm", "mkv"])) return { kind: "video", label: "VID", word: "Video" };
  if (is(/^audio\//, ["mp3", "m4a", "wav", "ogg", "flac"])) return { kind: "audio", label: "AUD", word: "Audio" };
  if (is(/zip|x-7z|x-tar|gzip|x-rar|x-bzip/, ["zip", "7z", "tar", "gz", "tgz", "rar", "bz2"])) return { kind: "archive", label: "ZIP", word: "Archive" };
  if (is(/spreadsheet|ms-excel|^text\/csv$/, ["xls", "xlsx", "ods", "csv"])) return { kind: "sheet", label: "XLS", word: "Spreadsheet" };
  if (is(/presentation|ms-powerpoint/, ["ppt", "pptx", "odp", "key"])) return { kind: "slides", label: "PPT", word: "Presentation" };
  if (is(/wordprocessing|msword|opendocument\.text|rtf/, ["doc", "docx", "odt", "rtf", "pages"])) return { kind: "doc", label: "DOC", word: "Document" };
  if (is(/^text\//, ["txt", "md", "log"])) return { kind: "text", label: "TXT", word: "Text" };
  return { kind: "other", label: extension ? extension.slice(0, 4).toUpperCase() : "FILE", word: "File" };
}

function openImage(attachment) {
  const dialog = $("image-dialog");
  const image = dialog.querySelector("img");
  image.removeAttribute("src");
  const src = safeUrl(attachment.url);
  if (src) image.setAttribute("src", src);
  image.alt = attachment.fileName;
  dialog.querySelector(".image-name").textContent = attachment.fileName;
  // The viewer's Download saves the original under its own name.
  const download = dialog.querySelector(".image-download");
  download.hidden = !src;
  if (src) {
    download.setAttribute("href", src);
    download.setAttribute("download", attachment.fileName);
    download.setAttribute("aria-label", `Download ${attachment.fileName}`);
  }
  dialog.showModal();
}

function renderAttachment(attachment) {
  const isImage = /^image\//.test(attachment.contentType || "");
  if (isImage && attachment.processing) {
    return el("div", { className: "attachment image-placeholder", text: `Preparing ${attachment.fileName}…`, attrs: { "data-testid": "attachment-processing" } });
  }
  const thumb = isImage && safeUrl(attachment.thumbnailUrl);
  if (thumb) {
    return el("button", {
      className: "attachment image", attrs: { type: "button", "aria-label": `Open ${attachment.fileName} full size`, "data-testid": "attachment-image" },
      on: { click: () => openImage(attachment) },
    }, [el("img", { attrs: { src: thumb, alt: attachment.fileName, width: attachment.width && Math.min(320, attachment.width), loading: "lazy" } })]);
  }
  // Any other file is a card: a typed icon, its name and what it is with its size, the whole card a download.
  const { kind, label, word } = fileKind(attachment.fileName, attachment.contentType);
  const size = formatSize(attachment.size);
  const children = [
    el("span", { className: `file-icon ${kind}`, text: label, attrs: { "aria-hidden": "true", "data-testid": "file-icon" } }),
    el("span", { className: "file-info" }, [
      el("span", { className: "file-name", text: attachment.fileName }),
      el("span", { className: "file-size", text: `${word} · ${size}` }),
    ]),
  ];
  const href = safeUrl(attachment.url);
  const attrs = { "data-testid": "attachment-file", title: attachment.fileName };
  if (!href) return el("span", { className: "attachment file", attrs }, children);
  return el("a", {
    className: "attachment file",
    attrs: { ...attrs, href, download: attachment.fileName, rel: "noopener", "aria-label": `Download ${attachment.fileName}, ${word}, ${size}` },
  }, children);
}

export function messageAttachments(message) {
  const attachments = message.attachments || [];
  if (!attachments.length || message.deleted) return null;
  return el("div", { className: "attachments" }, attachments.map(renderAttachment));
}

/** The attach button, the hidden file input and dropping onto the conversation. `onChange` re-checks the composer. */
export function mountAttachments({ onChange = () => {} } = {}) {
  changed = onChange;
  const input = $("file-input");
  $("attach-button").addEventListener("click", () => input.click());
  input.addEventListener("change", () => {
    addFiles([...input.files]);
    input.value = "";
  });
  const pane = $("conversation-pane");
  pane.addEventListener("dragover", (event) => {
    if (![...event.dataTransfer.types].includes("Files")) return;
    event.preventDefault();
    pane.classList.add("dropping");
  });
  pane.addEventListener("dragleave", (event) => {
    if (!pane.contains(event.relatedTarget)) pane.classList.remove("dropping");
  });
  pane.addEventListener("drop", (event) => {
    pane.classList.remove("dropping");
    if (!event.dataTransfer.files.length) return;
    event.preventDefault();
    addFiles([...event.dataTransfer.files]);
  });
  const dialog = $("image-dialog");
  dialog.querySelector(".dialog-cancel").addEventListener("click", () => dialog.close());
}
