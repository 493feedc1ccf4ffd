// Rendering user-supplied text without ever parsing it as HTML.
// Everything goes through text nodes; the only element created from content is <a>, and only for
// https:, mailto: and tel: URLs (rasa-webchat's `javascript:` links are the lesson). Markdown links
// [label](url) become anchors when the URL is allowed and stay literal text otherwise (such a URL ends at
// its first ")"). A bare URL keeps a ")" that closes a "(" of its own (https://en.wikipedia.org/wiki/Riyadh_(city)).
// Structured links (bot_message.links) never go through markdown: `link(url, title)` builds them directly.

const ALLOWED = new Set(["https:", "mailto:", "tel:"]);
// Either a markdown link, or a bare https/mailto/tel URL.
const TOKEN = /\[([^\]\n]{1,200})\]\(([^)\s]{1,2000})\)|(https:\/\/[^\s<>"'`]+|mailto:[^\s<>"'`]+|tel:\+?[0-9][0-9-]{2,20})/gi;
const TRAILING = ".,;:!?،؛؟)]}'\"»";

const count = (s, ch) => s.split(ch).length - 1;
// Bidi embeddings, overrides and isolates: the gateway strips them from what it stores (frames.clean_text);
// entries stored before it did must not show a number or a name reversed either. Marks (U+200E/F, U+061C) stay.
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/g;

/** `text` without bidi embeddings, overrides and isolates: for user text shown as plain text (names,
 * previews). Show it in an element with dir="auto" (its own isolate). */
export function plainText(text) {
  return String(text ?? "").replace(BIDI_CONTROLS, "");
}

/** `text` without bidi overrides, wrapped in an isolate (FSI … PDI) for interpolation into UI strings:
 * a name inside "{name} يكتب…" cannot reorder the sentence around it. */
export function isolate(text) {
  return `\u2068${plainText(text)}\u2069`;
}

/** A bare URL without the punctuation after it; a ")" closing a "(" of the URL itself stays. */
function trimBare(raw) {
  let s = raw;
  while (s && TRAILING.includes(s.at(-1))) {
    if (s.at(-1) === ")" && count(s, "(") >= count(s, ")")) break;
    s = s.slice(0, -1);
  }
  return s;
}

/** Return a normalised href when `raw` is an allowed URL, else null. */
export function safeHref(raw) {
  let url;
  try {
    url = new URL(String(raw).trim());
  } catch {
    return null;
  }
  if (!ALLOWED.has(url.protocol)) return null;
  if (url.protocol === "https:" && (url.username || url.password)) return null;
  return url.href;
}

/** An <a> for `url` labelled `label` (text only), or null when the URL is not allowed. */
export function link(url, label) {
  const href = safeHref(url);
  return href ? anchor(href, String(label ?? "") || href) : null;
}

function anchor(href, label) {
  const a = document.createElement("a");
  a.href = href;
  a.textContent = label;
  if (href.startsWith("https:")) {
    a.target = "_blank";
    a.rel = "noopener noreferrer nofollow";
  }
  return a;
}

/**
 * Build a fragment for `text`: text nodes plus safe links. Never touches innerHTML.
 * `labels: false` for text written by citizens: a [label](url) link could show one address and open
 * another (phishing the staff who read it), so it stays literal; bare URLs still become links.
 */
export function richText(text, { labels = true } = {}) {
  const frag = document.createDocumentFragment();
  const src = String(text ?? "").replace(BIDI_CONTROLS, "");
  let last = 0;
  for (const m of src.matchAll(TOKEN)) {
    let end = m.index + m[0].length;
    let node = null;
    if (m[1] !== undefined) {
      if (!labels) continue;
      const href = safeHref(m[2]);
      if (href) node = anchor(href, m[1]);
    } else {
      const bare = trimBare(m[3]);
      end = m.index + bare.length;
      const href = safeHref(bare);
      if (href) node = anchor(href, bare);
    }
    if (!node) continue; // left in the text run, rendered literally
    if (m.index > last) frag.append(document.createTextNode(src.slice(last, m.index)));
    frag.append(node);
    last = end;
  }
  if (last < src.length) frag.append(document.createTextNode(src.slice(last)));
  return frag;
}

/** Tiny element builder: el("button", {class: "x", type: "button", onclick: fn}, "text", child). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}
