// The follow-up step of the CSAT card (#14 item 4, docs/followups.md): after a score of 1–2 the citizen may
// leave a mobile number to be called back on within 24 h, with explicit consent, or decline. Either way the
// gateway already opened the follow-up task; the number only lets an agent call.
import { el } from "../js/safe.js";
import { field, setError } from "./cards.js";

export const CSAT_FOLLOWUP_MAX = 2; // mirrors handoff/followups.py

const DIGITS = ["٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹"];
const GULF = { 966: /^5\d{8}$/, 971: /^5[024568]\d{7}$/, 965: /^[569]\d{7}$/, 974: /^[3567]\d{7}$/,
  973: /^[36]\d{7}$/, 968: /^[79]\d{7}$/ };

/** A Saudi or Gulf mobile in any usual writing → E.164, or null (same rules as the gateway). */
export function normaliseGulfMobile(raw) {
  let s = "";
  for (const ch of String(raw ?? "")) {
    const i = Math.max(DIGITS[0].indexOf(ch), DIGITS[1].indexOf(ch));
    s += i >= 0 ? String(i) : ch;
  }
  s = s.replace(/[\s\-().]/g, "");
  const local = s.match(/^0?(5\d{8})$/);
  if (local) return `+966${local[1]}`;
  const m = s.match(/^(?:\+|00)?(966|971|965|974|973|968)0?(\d{7,9})$/);
  return m && GULF[m[1]].test(m[2]) ? `+${m[1]}${m[2]}` : null;
}

/** An extra step for csatCard: send(fields) returns a promise (the `followup_contact` frame's ack). */
export function followupStep(send) {
  return (S, result, next) => {
    if (!result || result.score > CSAT_FOLLOWUP_MAX) return null;
    const mobile = field(S, "widget.followup_mobile", el("input", { type: "tel", autocomplete: "tel",
      inputmode: "tel", dir: "ltr" }), "widget.followup_mobile_hint");
    const consent = el("input", { type: "checkbox", id: `${mobile.control.id}-consent` });
    const consentRow = el("div", { class: "check" }, consent,
      S.bind(el("label", { for: consent.id }), "widget.followup_consent"));
    const consentErr = el("p", { class: "err", "aria-live": "polite" });
    const submit = S.bind(el("button", { class: "btn", type: "submit" }), "widget.followup_submit");
    const decline = S.bind(el("button", { class: "btn btn-secondary", type: "button" }), "widget.followup_decline");
    const box = el("form", { class: "followup", novalidate: true }, S.bind(el("h3"), "widget.followup_title"),
      S.bind(el("p"), "widget.followup_intro"), mobile.wrap, consentRow, consentErr,
      el("div", { class: "actions" }, submit, decline));
    let tried = false;
    const check = () => {
      const number = normaliseGulfMobile(mobile.control.value);
      setError(S, mobile, number ? null : "widget.followup_invalid_mobile");
      if (consent.checked || !tried) consentErr.textContent = "";
      else S.bind(consentErr, "widget.followup_need_consent");
      return number && consent.checked ? number : null;
    };
    // Validate as the citizen types once they tried to send: an error never outlives its fix.
    mobile.control.addEventListener("input", () => tried && check());
    consent.addEventListener("change", () => tried && check());
    const finish = async (fields, thanksKey) => {
      submit.disabled = decline.disabled = true;
      try {
        await send(fields);
        next(thanksKey);
      } catch (err) {
        submit.disabled = decline.disabled = false;
        if (err?.code === "invalid_mobile") setError(S, mobile, "widget.followup_invalid_mobile");
      }
    };
    box.addEventListener("submit", (ev) => {
      ev.preventDefault();
      tried = true;
      const number = check();
      if (!number) return (normaliseGulfMobile(mobile.control.value) ? consent : mobile.control).focus();
      return finish({ mobile: number, consent: true }, "widget.followup_thanks");
    });
    decline.addEventListener("click", () => finish({}, "widget.followup_declined"));
    return box;
  };
}
