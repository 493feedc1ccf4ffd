// UI string tables (i18n/ar.json, i18n/en.json) and the language the citizen writes in.

const tables = new Map();

export async function loadTable(base, lang) {
  if (!tables.has(lang)) {
    const res = await fetch(new URL(`i18n/${lang}.json`, base));
    if (!res.ok) throw new Error(`string table ${lang}: HTTP ${res.status}`);
    tables.set(lang, await res.json());
  }
  return tables.get(lang);
}

/** A translator bound to one table: t("widget.send"), t("widget.queue_position", {position: 3}).
 * With a Format (js/format.js), numbers in `vars` are written in its digit system, and a key whose value
 * is a set of plural forms ({one, two, few, many, other}) picks the form for `vars.count`. */
export function translator(table, fmt = null) {
  return (key, vars = {}) => {
    let value = key.split(".").reduce((node, part) => (node == null ? undefined : node[part]), table);
    if (fmt && value && typeof value === "object" && typeof vars.count === "number") {
      value = fmt.plural(value, vars.count);
    }
    if (typeof value !== "string") return key;
    for (const [name, v] of Object.entries(vars)) {
      value = value.replaceAll(`{${name}}`, fmt && typeof v === "number" ? fmt.number(v) : String(v));
    }
    return value;
  };
}

export function dirOf(lang) {
  return lang === "ar" ? "rtl" : "ltr";
}

const ARABIC = /[\u0600-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFF]/g;
const LATIN = /[A-Za-z]/g;
// Arabizi: Latin letters with the digits that stand for Arabic sounds (3=ع, 7=ح, 2=ء, 5=خ, 9=ق) inside a
// word, or very common Gulf/MSA words written in Latin letters. Arabizi writers get the Arabic UI.
const ARABIZI_DIGIT = /[a-z][2357869]|[2357869][a-z]/i;
const ARABIZI_WORDS = new Set([
  "salam", "assalam", "marhaba", "ahlan", "shukran", "shlon", "shlonak", "wain", "wein", "ana", "abi",
  "abgha", "ab3a", "abga", "kaif", "keef", "ya3ni", "inshallah", "mashallah", "habibi", "samaht",
  "mumkin", "momken", "ayna", "hawiya", "jawaz", "iqama", "eqama", "tajdeed", "tajdid", "wayed",
]);

/** "ar", "en", or null when the text says nothing about the language (digits, emoji). */
export function detectLang(text) {
  const s = String(text ?? "");
  const ar = (s.match(ARABIC) || []).length;
  const la = (s.match(LATIN) || []).length;
  if (ar === 0 && la === 0) return null;
  // Anyone who types Arabic letters reads Arabic, even in a mixed sentence ("شلون renew").
  if (ar >= 2 || ar >= la) return "ar";
  const words = s.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
  if (words.some((w) => ARABIZI_DIGIT.test(w) || ARABIZI_WORDS.has(w))) return "ar";
  return "en";
}
