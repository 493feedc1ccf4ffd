// Numbers, times and counted words for the widget and the console: one digit system everywhere (the
// widget tag's data-digits="latn|arab"), and the language's plural rules for counted words (Arabic:
// دقيقة واحدة، دقيقتان، 3–10 دقائق، 11+ دقيقة; the forms live in the i18n tables, not here).

export const DIGIT_SYSTEMS = ["latn", "arab"];
const LATIN = "0123456789";
const ARABIC_INDIC = "٠١٢٣٤٥٦٧٨٩";
const EXTENDED_INDIC = "۰۱۲۳۴۵۶۷۸۹";

/** "latn" | "arab" from a configuration value; anything else is Latin (the digits of the corpus and the
 * demo page). */
export function digitSystem(raw) {
  const value = String(raw ?? "").trim().toLowerCase();
  return DIGIT_SYSTEMS.includes(value) ? value : "latn";
}

/** `text` with every digit (Latin, Arabic-Indic or Persian) written in `digits`. */
export function localiseDigits(text, digits) {
  const target = digits === "arab" ? ARABIC_INDIC : LATIN;
  return String(text ?? "").replace(/[0-9\u0660-\u0669\u06f0-\u06f9]/g, (ch) => {
    const i = Math.max(LATIN.indexOf(ch), ARABIC_INDIC.indexOf(ch), EXTENDED_INDIC.indexOf(ch));
    return target[i];
  });
}

const ADDRESS = /^(?:https:|mailto:|tel:)/i;

/** Digits of the text nodes under `root` in `digits`; a link showing its own address is left alone (a URL or
 * phone number must stay what it is). For texts the organisation writes (answers, agents' replies), never
 * for the citizen's own. */
export function localiseTextNodes(root, digits) {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const anchor = node.parentElement?.closest("a");
    if (anchor && ADDRESS.test(anchor.textContent.trim())) continue;
    const text = localiseDigits(node.nodeValue, digits);
    if (text !== node.nodeValue) node.nodeValue = text;
  }
  return root;
}

/** Formatting for one language and digit system. */
export class Format {
  constructor(lang, digits = "latn") {
    this.lang = lang === "ar" ? "ar" : "en";
    this.digits = digitSystem(digits);
    const locale = this.lang === "ar" ? "ar" : "en-GB";
    const nu = { numberingSystem: this.digits };
    this.plurals = new Intl.PluralRules(locale);
    this.numbers = new Intl.NumberFormat(locale, { ...nu, useGrouping: false });
    this.times = new Intl.DateTimeFormat(locale, { ...nu, hour: "2-digit", minute: "2-digit" });
    this.weekdayTimes = new Intl.DateTimeFormat(locale, { ...nu, weekday: "long", hour: "2-digit", minute: "2-digit" });
  }

  number(n) {
    return this.numbers.format(n);
  }

  time(ts) {
    return this.times.format(new Date(ts));
  }

  weekdayTime(ts) {
    return this.weekdayTimes.format(new Date(ts));
  }

  text(s) {
    return localiseDigits(s, this.digits);
  }

  /** The plural form of `forms` ({zero?, one, two?, few?, many?, other}) for `count`, "{count}" filled in. */
  plural(forms, count) {
    const form = forms[this.plurals.select(count)] ?? forms.other ?? "";
    return form.replaceAll("{count}", this.number(count));
  }
}
