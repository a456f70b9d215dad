// Link preview cards under a message: the site, title and description the server read from the page, as text;
// the card links to the page. An image shows only when it is one of this API's signed URLs (a thumbnail the
// server made), never an address the page named.
import { apiBase } from "../api.js";
import { el, safeUrl } from "../dom.js";
import { addMessagePart } from "./messages.js";

/** Whether a preview image is the server's own: this API's origin, or its Azure Blob Storage account over https. */
export function isOurImage(value) {
  const safe = value && safeUrl(value);
  if (!safe) return false;
  const url = new URL(safe);
  if (url.origin === new URL(apiBase()).origin) return true;
  return url.protocol === "https:" && url.hostname.endsWith(".blob.core.windows.net") && url.searchParams.has("sig");
}

function card(link) {
  const href = safeUrl(link.url);
  if (!href) return null;
  const host = new URL(href).hostname;
  const image = isOurImage(link.imageUrl) ? el("img", { className: "link-image", attrs: { src: link.imageUrl, alt: "", loading: "lazy" } }) : null;
  return el("a", {
    className: "link-card",
    attrs: { href, target: "_blank", rel: "noopener noreferrer nofollow", "data-testid": "link-card", "aria-label": `${link.title || href} (${link.siteName || host}), opens in a new tab` },
  }, [
    image,
    el("span", { className: "link-text" }, [
      el("span", { className: "link-site", text: link.siteName || host }),
      link.title ? el("span", { className: "link-title", text: link.title }) : null,
      link.description ? el("span", { className: "link-description", text: link.description }) : null,
    ]),
  ]);
}

function previews(message) {
  const links = message.links || [];
  if (message.deleted || !links.length) return null;
  return el("div", { className: "link-cards" }, links.map(card));
}

export function mountPreviews() {
  addMessagePart("after", previews);
}
