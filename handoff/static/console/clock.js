// Times in the console: Latin digits like every other number the console shows (counts, waits, scores),
// Gregorian, and short enough to stay on one line.
const cache = new Map();

function formatter(lang, options) {
  const key = `${lang}|${JSON.stringify(options)}`;
  if (!cache.has(key)) cache.set(key, new Intl.DateTimeFormat(lang, { numberingSystem: "latn", calendar: "gregory", ...options }));
  return cache.get(key);
}

/** "10:42" */
export function clock(lang, ts) {
  const d = new Date(ts);
  return Number.isNaN(d.getTime()) ? "" : formatter(lang, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(d);
}

/** "5 ديسمبر 10:42" (today: "10:42") */
export function dayClock(lang, ts) {
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) return "";
  if (d.toDateString() === new Date().toDateString()) return clock(lang, ts);
  return formatter(lang, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(d);
}
