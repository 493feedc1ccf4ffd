// What every module of the editor page shares: its string table (through the shared js/i18n.js translator)
// and the shared DOM builder (js/safe.js: text only ever becomes text nodes). Importing this, not app.js,
// keeps the page's modules free of import cycles.
import { translator } from "../js/i18n.js";
import { el as safeEl } from "../js/safe.js";

let translate = (key) => key;

/** t("count", {n: 3}): the editor's Arabic strings (strings.json); an unknown key is shown as itself. */
export const t = (key, vars = {}) => translate(key, vars);

export async function loadStrings() {
  const res = await fetch(new URL("strings.json", import.meta.url));
  translate = translator(await res.json());
}

// `text` is this page's shorthand for a first text child.
export const el = (tag, { text, ...attrs } = {}, ...children) => safeEl(tag, attrs, text, ...children);

export const $ = (sel) => document.querySelector(sel);

/** A field's label without its hint ("السؤال (بالعربية)" → "السؤال"); the raw name when it has none. */
export function fieldName(field) {
  const key = `f_${field}`;
  return t(key) === key ? field : t(key).replace(/ \(.*\)$/, "");
}
