// DOM of the widget: launcher, panel, message bubbles. Text only through textContent / richText.
import { icon } from "../js/icons.js";
import { localiseTextNodes } from "../js/format.js";
import { el, plainText, richText } from "../js/safe.js";

/** Nodes whose text or attribute comes from the string table, re-applied on language switch. */
export class Strings {
  constructor() {
    this.bindings = [];
    this.t = (key) => key;
  }
  bind(node, key, attr = null, vars = null) {
    this.bindings.push({ node, key, attr, vars });
    this.#apply({ node, key, attr, vars });
    return node;
  }
  unbind(node) {
    this.bindings = this.bindings.filter((b) => b.node !== node);
  }
  use(t) {
    this.t = t;
    for (const b of this.bindings) this.#apply(b);
  }
  #apply({ node, key, attr, vars }) {
    const text = this.t(key, typeof vars === "function" ? vars() : vars || {});
    if (attr) node.setAttribute(attr, text);
    else node.textContent = text;
  }
}

export function buildView(S, handlers) {
  const badge = el("span", { class: "badge", hidden: true, "aria-hidden": "true" });
  const launcherLabel = el("span", { class: "vh" });
  const launcher = el("button", { class: "launcher", type: "button", "aria-expanded": "false",
    "aria-controls": "faq-panel", onclick: handlers.toggle }, icon("chat", { size: 28 }),
  launcherLabel, badge);
  S.bind(launcherLabel, "widget.launcher");

  const langBtn = el("button", { class: "icon-btn", type: "button", onclick: handlers.switchLang });
  S.bind(langBtn, "widget.switch_lang");
  S.bind(langBtn, "widget.switch_lang_label", "aria-label");
  const closeBtn = el("button", { class: "icon-btn", type: "button", onclick: handlers.toggle },
    icon("close"));
  S.bind(closeBtn, "widget.close", "aria-label");
  const title = S.bind(el("h2", { id: "faq-title" }), "widget.title");
  const head = el("div", { class: "head" }, el("div", { class: "head-text" }, title,
    S.bind(el("p"), "widget.subtitle")), langBtn, closeBtn);

  const status = el("div", { class: "status", role: "status", hidden: true });
  const log = el("div", { class: "log", role: "log", "aria-live": "polite", "aria-relevant": "additions",
    tabindex: "0" });
  S.bind(log, "widget.log_label", "aria-label");

  const queue = buildQueue(S, handlers);
  const typing = el("div", { class: "typing", "aria-live": "polite" });
  const composer = buildComposer(S, handlers);
  const agentBtn = el("button", { class: "btn-link", type: "button", onclick: handlers.askAgent });
  S.bind(agentBtn, "widget.talk_to_agent");
  const foot = el("div", { class: "foot" }, composer.form, agentBtn);

  const panel = el("section", { class: "panel", id: "faq-panel", role: "dialog", "aria-modal": "false",
    "aria-labelledby": "faq-title", hidden: true }, head, status, log, queue.box, typing, foot);
  panel.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape") handlers.toggle();
  });
  const root = el("div", { class: "root" }, launcher, panel);
  return { root, launcher, launcherLabel, badge, panel, langBtn, closeBtn, status, log, queue, typing,
    composer, agentBtn };
}

function buildQueue(S, handlers) {
  const title = S.bind(el("strong"), "widget.queued_title");
  const position = el("p");
  const wait = el("p");
  const cancel = el("button", { class: "btn-link", type: "button", onclick: handlers.cancelQueue });
  S.bind(cancel, "widget.cancel_queue");
  const box = el("div", { class: "queue", role: "status", hidden: true }, title, position, wait, cancel);
  return { box, position, wait, cancel };
}

function buildComposer(S, handlers) {
  // No maxlength: the limit is the gateway's (started/resumed.max_text_chars); the counter shows it and a
  // pasted text that is too long stays whole in the box for the citizen to shorten, not cut silently.
  const input = el("textarea", { id: "faq-input", rows: "1", "aria-describedby": "faq-count faq-note" });
  S.bind(input, "widget.input_placeholder", "placeholder");
  const label = S.bind(el("label", { for: "faq-input", class: "vh" }), "widget.input_label");
  const send = el("button", { class: "btn", type: "submit" });
  S.bind(send, "widget.send");
  const count = el("span", { class: "count", id: "faq-count", hidden: true });
  const note = el("p", { class: "composer-note", id: "faq-note", role: "alert", hidden: true });
  const row = el("div", { class: "composer-row" }, label, input, send);
  const form = el("form", { class: "composer" }, row, count, note);
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    handlers.submit();
  });
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      handlers.submit();
    }
  });
  // The box grows with the text up to a few lines (widget.css: field-sizing), then scrolls.
  const fit = () => {
    if (CSS.supports("field-sizing", "content")) return;
    input.style.blockSize = "auto";
    input.style.blockSize = `${input.scrollHeight + 2}px`;
  };
  input.addEventListener("input", handlers.typing);
  input.addEventListener("input", handlers.edited);
  input.addEventListener("input", fit);
  return { form, input, send, count, note, fit };
}

/** Payloads of the bot's "was this answer helpful?" buttons (chatbot/domain.yml utter_ask_helpful). */
export const FEEDBACK_PAYLOADS = { up: "/feedback_positive", down: "/feedback_negative" };

/** True when a bot message's buttons are exactly the two feedback payloads: the widget shows such a
 * prompt as 👍/👎 and sends the choice as a `feedback` frame (recorded by the gateway, forwarded to the bot). */
export function isFeedbackPrompt(buttons) {
  const payloads = (buttons || []).map((b) => b.payload).sort();
  const wanted = Object.values(FEEDBACK_PAYLOADS).sort();
  return payloads.length === wanted.length && payloads.every((p, i) => p === wanted[i]);
}

/** "up" | "down" for a feedback payload, else null. */
export function feedbackValue(payload) {
  return Object.keys(FEEDBACK_PAYLOADS).find((k) => FEEDBACK_PAYLOADS[k] === payload) ?? null;
}

/**
 * One message bubble.
 * msg: {seq, role: "bot"|"agent"|"citizen"|"system", text, ts, name, buttons, suggestions, pending,
 *       feedback (bool: show 👍/👎), chosen ("up"|"down": a feedback already sent, e.g. still in the outbox)}
 */
export function messageNode(msg, S, ctx) {
  const node = el("div", { class: `msg ${msg.role}`, dataset: { role: msg.role } });
  if (msg.seq != null) node.dataset.seq = String(msg.seq);
  if (msg.pending) node.classList.add("pending");
  if (msg.role === "system") {
    node.append(richText(msg.text));
    return node;
  }
  const who = el("span", { class: "who", dir: "auto" }); // dir=auto isolates an agent's name from the UI text
  if (msg.role === "agent" && msg.name) who.textContent = plainText(msg.name);
  else S.bind(who, msg.role === "citizen" ? "widget.you" : msg.role === "bot" ? "widget.bot_name"
    : "widget.agent_fallback");
  const text = el("div", { class: "text", dir: "auto" }, richText(msg.text));
  // Answers and agents' replies in the widget's digit system; what the citizen typed stays as typed.
  if (msg.role !== "citizen") localiseTextNodes(text, ctx.digits);
  node.append(who, text);
  if (msg.feedback) {
    node.classList.add("ask-feedback");
    node.append(feedbackRow(msg, S, ctx));
  }
  if (msg.buttons?.length) node.append(choices(msg.buttons, null, S, ctx));
  if (msg.suggestions?.length) node.append(choices(msg.suggestions, "widget.did_you_mean", S, ctx));
  const time = el("time", { datetime: new Date(msg.ts || Date.now()).toISOString() },
    ctx.formatTime(msg.ts || Date.now()));
  node.append(el("div", { class: "meta" }, time));
  return node;
}

function choices(items, labelKey, S, ctx) {
  const box = el("div", { class: "choices" });
  if (labelKey) box.append(S.bind(el("span", { class: "choices-label" }), labelKey));
  for (const item of items) {
    box.append(el("button", { class: "chip", type: "button", dir: "auto", dataset: { payload: item.payload },
      onclick: (ev) => {
        markChosen(box, ev.currentTarget);
        ctx.onChoice(item);
      } }, item.title));
  }
  return box;
}

/** Quick replies and "هل تقصد" options of bot messages before `beforeSeq` (all when null) disabled: once
 * the citizen has moved on (typed or chose something later), an old option would answer a question the
 * conversation has left. Chosen ones keep aria-pressed. */
export function retireChoices(log, beforeSeq = null) {
  for (const chip of log.querySelectorAll(".msg.bot .choices button.chip:not([disabled])")) {
    const seq = chip.closest(".msg").dataset.seq;
    if (beforeSeq == null || (seq !== undefined && Number(seq) < beforeSeq)) chip.disabled = true;
  }
}

/** A set of quick replies once one was used (clicked here, or replayed from the transcript): all disabled,
 * the chosen one pressed. */
export function markChosen(box, chip) {
  for (const b of box.querySelectorAll("button")) b.disabled = true;
  chip.setAttribute("aria-pressed", "true");
}

/** 👍/👎 of a feedback prompt. One choice per prompt: both buttons are disabled as soon as one is
 * pressed, and given back only if the gateway refused the frame for good. */
function feedbackRow(msg, S, ctx) {
  const row = el("div", { class: "feedback" });
  const make = (value, key) => {
    const b = el("button", { type: "button", "aria-pressed": "false", dataset: { value }, onclick: () => {
      if (row.dataset.chosen) return;
      markFeedback(row, value);
      ctx.onFeedback(msg, value).catch((err) => {
        // (rate_limited/internal never get here: the session resends the frame); closed: nothing can be sent;
        // already_rated: another tab or device answered this prompt first, so it stays answered.
        const retry = !["rate_limited", "closed", "already_rated"].includes(err?.code);
        if (retry && row.dataset.chosen === value && !row.dataset.recorded) {
          clearFeedback(row);
        }
      });
    } }, icon("thumb", { size: 16, flip: value === "down" }));
    S.bind(b, key, "aria-label");
    return b;
  };
  row.append(make("up", "widget.feedback_up"), make("down", "widget.feedback_down"));
  if (msg.chosen) markFeedback(row, msg.chosen);
  return row;
}

/** Show `value` as the choice of a 👍/👎 row and disable it. `recorded`: the transcript has the event. */
export function markFeedback(row, value, recorded = false) {
  row.dataset.chosen = value;
  if (recorded) row.dataset.recorded = "true";
  for (const b of row.querySelectorAll("button")) {
    b.disabled = true;
    b.setAttribute("aria-pressed", String(b.dataset.value === value));
  }
}

function clearFeedback(row) {
  delete row.dataset.chosen;
  for (const b of row.querySelectorAll("button")) {
    b.disabled = false;
    b.setAttribute("aria-pressed", "false");
  }
}
