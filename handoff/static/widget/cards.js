// Cards shown inside the message log: the leave-a-message / callback form and the CSAT card.
import { el } from "../js/safe.js";

const ARABIC_INDIC = "٠١٢٣٤٥٦٧٨٩";
const EXTENDED_INDIC = "۰۱۲۳۴۵۶۷۸۹";

/** Saudi mobile in any of the usual spellings → "05XXXXXXXX", or null. Arabic-Indic digits accepted. */
export function normaliseMobile(raw) {
  let s = "";
  for (const ch of String(raw ?? "")) {
    const i = Math.max(ARABIC_INDIC.indexOf(ch), EXTENDED_INDIC.indexOf(ch));
    s += i >= 0 ? String(i) : ch;
  }
  s = s.replace(/[\s\-()]/g, "");
  const m = s.match(/^(?:\+966|00966|966|0)(5\d{8})$/);
  return m ? `0${m[1]}` : null;
}

export function validName(raw) {
  const letters = String(raw ?? "").trim().match(/\p{L}/gu) || [];
  return letters.length >= 2 && String(raw).trim().length <= 80;
}

let uid = 0;
export function field(S, key, control, hintKey = null) {
  uid += 1;
  control.id = `faq-f${uid}`;
  const err = el("span", { class: "err", id: `${control.id}-err`, "aria-live": "polite" });
  const label = S.bind(el("label", { for: control.id }), key);
  const hint = hintKey ? S.bind(el("span", { class: "hint", id: `${control.id}-hint` }), hintKey) : null;
  control.setAttribute("aria-describedby", [hint && hint.id, err.id].filter(Boolean).join(" "));
  return { wrap: el("div", { class: "field" }, label, control, hint, err), control, err };
}

export function setError(S, f, key) {
  S.unbind(f.err); // one error at a time, also after a language switch
  if (key) {
    S.bind(f.err, key);
    f.control.setAttribute("aria-invalid", "true");
  } else {
    f.err.textContent = "";
    f.control.removeAttribute("aria-invalid");
  }
}

/** Validate a field as the citizen types, once it has been checked (left filled in, or submitted): an error
 * goes away as soon as the field is fixed, and comes back if it is broken again. */
function liveCheck(control, check) {
  control.addEventListener("input", () => {
    if (control.dataset.checked) check();
  });
  control.addEventListener("blur", () => {
    if (control.value.trim() || control.dataset.checked) check(); // an untouched empty field: no error yet
  });
}

/** Leave-a-message / callback form; onSubmit({name, mobile, message, callback}) returns a promise. */
export function callbackCard(S, intro, onSubmit) {
  const name = field(S, "widget.callback_name", el("input", { type: "text", autocomplete: "name", maxlength: "100" }));
  const mobile = field(S, "widget.callback_mobile", el("input", { type: "tel", autocomplete: "tel",
    inputmode: "tel", dir: "ltr" }), "widget.callback_mobile_hint");
  const message = field(S, "widget.callback_message", el("textarea", { rows: "2", maxlength: "1000" }));
  const call = el("input", { type: "checkbox", id: `faq-call-${uid}`, checked: true });
  const callRow = el("div", { class: "check" }, call, S.bind(el("label", { for: call.id }), "widget.callback_want_call"));
  const submit = S.bind(el("button", { class: "btn", type: "submit" }), "widget.callback_submit");
  const form = el("form", { class: "card callback", novalidate: true }, S.bind(el("h3"), "widget.callback_title"),
    intro, name.wrap, mobile.wrap, message.wrap, callRow, submit);
  const checks = [
    [name, (v) => validName(v), "widget.callback_invalid_name"],
    [mobile, (v) => normaliseMobile(v) !== null, "widget.callback_invalid_mobile"],
    [message, (v) => v.trim().length >= 1 && v.trim().length <= 1000, "widget.callback_invalid_message"],
  ];
  const check = ([f, ok, key]) => {
    const good = ok(f.control.value);
    f.control.dataset.checked = "true";
    setError(S, f, good ? null : key);
    return good;
  };
  for (const c of checks) liveCheck(c[0].control, () => check(c));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const bad = checks.filter((c) => !check(c));
    if (bad.length) return bad[0][0].control.focus();
    const text = message.control.value.trim();
    submit.disabled = true;
    try {
      await onSubmit({ name: name.control.value.trim(), mobile: normaliseMobile(mobile.control.value),
        message: text, callback: call.checked });
      markDone(S, form, "widget.callback_thanks");
    } catch {
      submit.disabled = false;
    }
  });
  return form;
}

/** Replace a card's content with a thank-you line (also used when the transcript says it was done). */
export function markDone(S, form, key) {
  const p = S.bind(el("p", { role: "status" }), key);
  form.replaceChildren(p);
  form.dataset.done = "true";
}

/** One choice of the 1–5 scale: the radio covers its label (positioned inside it, never in the panel). */
function scoreChoice(S, group, score) {
  const input = el("input", { type: "radio", name: group, value: String(score) });
  const sr = S.bind(el("span", { class: "vh" }), `widget.csat_score_${score}`);
  return el("label", {}, input, el("span", { "aria-hidden": "true" }, String(score)), sr);
}

/** CSAT 1–5 with optional comment; onSubmit({score, comment}) returns a promise.
 *
 * extraSteps run after the score is saved, in order: each is `(S, result, next) => Node | null`; a node
 * replaces the card's content until the step calls next(thanksKey) (null: go on to the following step).
 * The card then reads done (markCardsDone leaves it alone). `form.advance(result)` enters the steps for a
 * score saved elsewhere (another tab, before a reload); it does nothing once the card has moved on. */
export function csatCard(S, onSubmit, extraSteps = []) {
  uid += 1;
  const group = `faq-csat-${uid}`;
  const legend = S.bind(el("legend", { class: "vh" }), "widget.csat_title");
  const stars = el("fieldset", { class: "stars" }, legend);
  for (let score = 1; score <= 5; score += 1) stars.append(scoreChoice(S, group, score));
  // Which end is good, under the ends it names (the radios' own labels say it to screen readers).
  const anchors = el("div", { class: "scale-anchors", "aria-hidden": "true" },
    S.bind(el("span"), "widget.csat_anchor_low"), S.bind(el("span"), "widget.csat_anchor_high"));
  const comment = field(S, "widget.csat_comment", el("textarea", { rows: "2", maxlength: "1000" }));
  const err = el("p", { class: "err", "aria-live": "polite" });
  const submit = S.bind(el("button", { class: "btn", type: "submit" }), "widget.csat_submit");
  const form = el("form", { class: "card csat" }, S.bind(el("h3"), "widget.csat_title"), stars, anchors,
    comment.wrap, err, submit);
  let chosen = false;
  let i = 0;
  const next = (key, result) => {
    while (i < extraSteps.length) {
      const node = extraSteps[i++](S, result, (k) => next(k ?? key, result));
      if (node) return form.replaceChildren(node);
    }
    return markDone(S, form, key);
  };
  form.advance = (result) => {
    if (chosen) return;
    chosen = true;
    form.dataset.done = "true";
    next("widget.csat_thanks", result);
  };
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const picked = stars.querySelector("input:checked");
    if (!picked) {
      S.bind(err, "widget.csat_choose");
      return stars.querySelector("input").focus();
    }
    submit.disabled = true;
    const result = { score: Number(picked.value), comment: comment.control.value.trim() };
    try {
      await onSubmit(result);
    } catch {
      submit.disabled = false;
      return;
    }
    form.advance(result);
  });
  return form;
}
