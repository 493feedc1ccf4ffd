// An entry's history as people read it: local time (the gateway's TIMEZONE) in Arabic, every line in its own
// direction (an English line inside the RTL page must not become "?Can I…"), and only what changed: words
// added or removed in a text, items added or removed in a list, status words instead of raw values.
import { el, fieldName, t } from "./ui.js";

const LISTS = new Set(["alternatives", "links", "tags", "alternatives_en"]);
const MAX_DIFF_TOKENS = 600; // longer texts are shown whole (old, then new) rather than diffed word by word

let formatter = null;

/** The formatter for history and list times; `timeZone` from /api/availability (falls back to the browser's). */
export function setTimeZone(timeZone) {
  const opts = { dateStyle: "long", timeStyle: "short", timeZone: timeZone || undefined };
  try {
    formatter = new Intl.DateTimeFormat("ar-u-nu-latn-ca-gregory", opts);
  } catch {
    formatter = new Intl.DateTimeFormat("ar-u-nu-latn-ca-gregory", { dateStyle: "long", timeStyle: "short" });
  }
}

/** "5 ديسمبر 2026 في 5:00 م" for an ISO time; a bare date ("2026-11-01") is shown without a time. */
export function localTime(iso) {
  if (!iso) return "";
  if (!formatter) setTimeZone();
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) {
    return new Intl.DateTimeFormat("ar-u-nu-latn-ca-gregory", { dateStyle: "long", timeZone: "UTC" }).format(date);
  }
  return formatter.format(date);
}

export function timeNode(iso) {
  return el("time", { datetime: iso || "", text: localTime(iso) });
}

function valueText(f, v) {
  if (f === "status") return t(`status_${v}`);
  if (f === "deleted") return v ? t("status_deleted") : t("not_deleted");
  return v === undefined || v === null ? "" : String(v);
}

function tokens(text) {
  return text.split(/(\s+)/).filter((s) => s !== "");
}

/** Word-level diff: [["same"|"del"|"ins", text], ...] by longest common subsequence. */
export function diffWords(before, after) {
  const a = tokens(before);
  const b = tokens(after);
  if (a.length > MAX_DIFF_TOKENS || b.length > MAX_DIFF_TOKENS) return [["del", before], ["ins", after]];
  const n = a.length;
  const m = b.length;
  const lcs = Array.from({ length: n + 1 }, () => new Uint16Array(m + 1));
  for (let i = n - 1; i >= 0; i -= 1) {
    for (let j = m - 1; j >= 0; j -= 1) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  }
  const out = [];
  const push = (kind, text) => {
    const last = out[out.length - 1];
    if (last && last[0] === kind) last[1] += text;
    else out.push([kind, text]);
  };
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) { push("same", a[i]); i += 1; j += 1; }
    else if (lcs[i + 1][j] >= lcs[i][j + 1]) { push("del", a[i]); i += 1; }
    else { push("ins", b[j]); j += 1; }
  }
  while (i < n) { push("del", a[i]); i += 1; }
  while (j < m) { push("ins", b[j]); j += 1; }
  return regroup(out);
}

/** One word kept between two changes is read as part of one change ("X في Y" → "Z في W" is one edit, not
 * three): merge such islands so each changed stretch shows as one removed and one added run. */
function regroup(ops) {
  const island = (k) => ops[k][0] === "same" && ops[k][1].trim().split(/\s+/).filter(Boolean).length <= 1
    && k > 0 && k < ops.length - 1 && ops[k - 1][0] !== "same" && ops[k + 1][0] !== "same";
  const out = [];
  let del = "";
  let ins = "";
  const flush = () => {
    if (del) out.push(["del", del]);
    if (ins) out.push(["ins", ins]);
    del = "";
    ins = "";
  };
  ops.forEach(([kind, text], k) => {
    if (kind === "del") del += text;
    else if (kind === "ins") ins += text;
    else if (island(k)) { del += text; ins += text; }
    else { flush(); out.push([kind, text]); }
  });
  flush();
  return out;
}

function textDiff(before, after) {
  const p = el("p", { class: "diff-text", dir: "auto" });
  for (const [kind, text] of diffWords(before, after)) {
    if (kind === "same") p.append(text);
    else p.append(el(kind, { text }));
  }
  return p;
}

function listDiff(before, after) {
  const old = new Set(before || []);
  const now = new Set(after || []);
  const ul = el("ul", { class: "diff-list" });
  for (const x of before || []) if (!now.has(x)) ul.append(el("li", { class: "removed", dir: "auto" }, el("del", { text: x })));
  for (const x of after || []) if (!old.has(x)) ul.append(el("li", { class: "added", dir: "auto" }, el("ins", { text: x })));
  const kept = (after || []).filter((x) => old.has(x)).length;
  if (kept) ul.append(el("li", { class: "muted", text: t("history_unchanged_items", { n: kept }) }));
  return ul;
}

function fieldDiff(f, before, after) {
  if (before === null) { // created (by hand, import or seed): the values themselves, nothing to compare
    const v = after && after[f];
    if (LISTS.has(f)) return v && v.length ? el("ul", { class: "diff-list" }, ...v.map((x) => el("li", { dir: "auto", text: x }))) : null;
    return v || v === false ? el("p", { dir: "auto", text: valueText(f, v) }) : null;
  }
  const b = before[f];
  const a = after && after[f];
  if (LISTS.has(f)) return listDiff(b, a);
  if (f === "status" || f === "deleted" || f === "category") {
    return el("p", { dir: "auto" }, el("del", { text: valueText(f, b) }), " ← ", el("ins", { text: valueText(f, a) }));
  }
  return textDiff(valueText(f, b), valueText(f, a));
}

function actorName(actor) {
  const key = `actor_${actor}`; // "system:seed" and the like have a name in the strings file
  return t(key) === key ? actor : t(key);
}

export function historyItem(h) {
  const diff = el("div", { class: "diff" });
  for (const f of h.fields || []) {
    const body = fieldDiff(f, h.before ?? null, h.after);
    if (body) diff.append(el("div", { class: "diff-field", "data-field": f }, el("strong", { text: fieldName(f) }), body));
  }
  const head = el("p", { class: "history-head" }, el("bdi", { text: t(`action_${h.action}`) }), " — ",
    t("by_who"), " ", el("bdi", { text: actorName(h.actor) }), " · ", timeNode(h.at));
  return el("li", { "data-action": h.action }, head, diff);
}
