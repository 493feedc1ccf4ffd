// Formatting for the dashboard: KPI values, changes against the previous period, Hijri (Umm al-Qura) and
// Gregorian dates, countdowns. Western digits, as the report files print them.

const HIJRI = new Intl.DateTimeFormat("ar-SA-u-ca-islamic-umalqura-nu-latn",
  { day: "numeric", month: "long", year: "numeric", timeZone: "Asia/Riyadh" });
const GREGORIAN = new Intl.DateTimeFormat("ar-SA-u-ca-gregory-nu-latn",
  { day: "numeric", month: "long", year: "numeric", timeZone: "Asia/Riyadh" });
const TIME = new Intl.DateTimeFormat("ar-SA-u-nu-latn", { hour: "2-digit", minute: "2-digit", timeZone: "Asia/Riyadh" });

export const HIGHER_IS_BETTER = {
  self_service_rate: true, handoff_answer_rate: true, csat_agent: true, csat_bot: true, thumbs_up_rate: true,
  callback_sla_rate: true, handoff_rate: false, abandonment_rate: false, wait_p50_s: false, wait_p90_s: false,
  wait_max_s: false, not_found_rate: false, unanswered_count: false,
};

export const kind = (key) => (key.endsWith("_rate") || key.startsWith("csat_") ? "rate" : key.endsWith("_s") ? "seconds" : "count");

export function duration(seconds, t) {
  const s = Math.round(Math.abs(seconds));
  if (s < 60) return `${s} ${t("s")}`;
  if (s < 3600) return `${Math.floor(s / 60)} ${t("m")} ${s % 60} ${t("s")}`;
  return `${Math.floor(s / 3600)} ${t("h")} ${Math.floor((s % 3600) / 60)} ${t("m")}`;
}

/** A countdown to the second: "5 س 02 د 09 ث" (days are written as hours: a call-back is due within 24 h). */
export function countdown(seconds, t) {
  const s = Math.floor(Math.abs(seconds));
  const two = (n) => String(n).padStart(2, "0");
  return `${Math.floor(s / 3600)} ${t("h")} ${two(Math.floor((s % 3600) / 60))} ${t("m")} ${two(s % 60)} ${t("s")}`;
}

export function value(key, v, t) {
  if (v === null || v === undefined) return "—";
  const k = kind(key);
  if (k === "rate") return `${(v * 100).toFixed(1)}٪`;
  if (k === "seconds") return duration(v, t);
  return Math.round(v).toLocaleString("en-US");
}

/** {text, tone} of the change against the previous period: points for rates, a percentage otherwise. */
export function change(key, now, before, pointsWord) {
  if (now === null || now === undefined || before === null || before === undefined) return { text: "—", tone: "none" };
  const diff = now - before;
  const sign = (x) => (x > 0 ? "+" : x < 0 ? "−" : "±");
  let text;
  if (kind(key) === "rate") text = `${sign(diff)}${Math.abs(diff * 100).toFixed(1)} ${pointsWord}`;
  else if (before) text = `${sign(diff)}${Math.abs((diff / before) * 100).toFixed(0)}٪`;
  else text = "—";
  const better = HIGHER_IS_BETTER[key];
  if (Math.abs(diff) < 1e-9) return { text, tone: "same" };
  if (better === undefined) return { text, tone: "none" };
  return { text, tone: (diff > 0) === better ? "good" : "bad" };
}

export const hijri = (d) => HIJRI.format(d);
export const gregorian = (d) => GREGORIAN.format(d);
export const clock = (d) => TIME.format(d);

/** A day "YYYY-MM-DD" as a Date at noon in Riyadh (never shifted to the neighbouring day). */
export const dayDate = (iso) => new Date(`${iso}T12:00:00+03:00`);

export function isoDay(d) {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Riyadh" }).format(d);
}
