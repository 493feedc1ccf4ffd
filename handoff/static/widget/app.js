// Citizen widget: wires the view (view.js, cards.js) to the conversation (session.js).
import { Format } from "../js/format.js";
import { detectLang, dirOf, loadTable, translator } from "../js/i18n.js";
import { el, isolate } from "../js/safe.js";
import { callbackCard, csatCard, markDone } from "./cards.js";
import { ChatSession, RETRYABLE } from "./session.js";
import { Strings, buildView, messageNode, retireChoices } from "./view.js";
import { applyEntry } from "./entries.js";
import { followupStep } from "./followup.js";
import { DEFAULT_LIMITS, limitsOf, textLength, tooLong } from "./limits.js";

export async function mount(shadow, opts) {
  const w = new Widget(shadow, opts);
  await w.init();
  return w;
}

class Widget {
  constructor(shadow, opts) {
    this.shadow = shadow;
    this.opts = opts;
    this.S = new Strings();
    this.state = "bot";
    this.agentName = null;
    this.unread = 0;
    this.waiters = new Map();
    this.typingTimer = null;
    this.lastTypingSent = 0;
    this.limits = DEFAULT_LIMITS;
    this.drafts = new Map(); // msg_id -> text of a message not acked yet: given back to the input if refused
    this.note = null; // {key, vars}: why the last message was not sent
    this.session = new ChatSession(opts.gateway, {
      onEntry: (e, info) => this.onEntry(e, info),
      onTransient: (f) => this.onTransient(f),
      onStatus: (s) => this.showConnection(s),
      onReset: () => this.resetLog(),
    }, opts.context);
  }

  async init() {
    this.lang = this.session.pref("lang") || this.opts.lang || "ar";
    this.v = buildView(this.S, {
      toggle: () => this.toggle(),
      switchLang: () => this.setLang(this.lang === "ar" ? "en" : "ar"),
      submit: () => this.submitText(),
      askAgent: () => this.session.send("request_human"),
      cancelQueue: () => this.session.send("cancel_wait"),
      typing: () => this.citizenTyping(),
      edited: () => this.updateCounter(),
    });
    this.v.newBtn = el("button", { class: "btn btn-secondary new-conv", type: "button", hidden: true,
      onclick: () => this.session.restart(this.lang) });
    this.S.bind(this.v.newBtn, "widget.new_conversation");
    this.v.composer.form.before(this.v.newBtn);
    this.shadow.append(this.v.root);
    await this.setLang(this.lang);
    this.renderOutbox();
    if (this.session.hasConversation) this.session.connect(this.lang);
    if (this.session.pref("open")) this.toggle(true);
  }

  async setLang(lang) {
    const table = await loadTable(this.opts.staticBase, lang);
    this.lang = lang;
    this.fmt = new Format(lang, this.opts.digits);
    this.t = translator(table, this.fmt);
    this.session.pref("lang", lang);
    this.session.setLocale(lang);
    this.v.root.lang = lang;
    this.v.root.dir = dirOf(lang);
    this.shadow.host.dir = dirOf(lang);
    this.S.use(this.t);
    this.updateQueue();
    this.updateCounter();
  }

  toggle(forceOpen) {
    const open = forceOpen ?? this.v.panel.hidden;
    this.v.panel.hidden = !open;
    this.v.root.classList.toggle("open", open);
    this.v.launcher.setAttribute("aria-expanded", String(open));
    this.session.pref("open", open);
    if (open) {
      this.unread = 0;
      this.updateBadge();
      if (!this.session.conn) this.session.connect(this.lang);
      this.v.composer.input.focus();
      this.scrollDown();
    } else {
      this.v.launcher.focus();
    }
  }

  submitText() {
    const input = this.v.composer.input;
    const text = input.value.trim();
    if (!text || this.state === "closed") return;
    if (tooLong(text, this.limits)) {
      this.showNote("widget.text_too_long");
      return;
    }
    const lang = detectLang(text);
    if (lang && lang !== this.lang) this.setLang(lang);
    const msgId = this.session.send("message", { text });
    retireChoices(this.v.log);
    this.drafts.set(msgId, text);
    this.addPending(msgId, text);
    input.value = "";
    this.v.composer.fit();
    this.showNote(null);
    this.updateCounter();
    if (this.state === "with_agent") this.session.sendTransient({ type: "typing", active: false });
    clearTimeout(this.typingTimer);
    this.lastTypingSent = 0;
  }

  addPending(msgId, text) {
    const node = messageNode({ role: "citizen", text, ts: Date.now(), pending: true }, this.S, this.ctx());
    node.dataset.msgId = msgId;
    this.v.log.append(node);
    this.scrollDown();
  }

  /** Messages typed before a reload that the gateway has not acknowledged yet. */
  renderOutbox() {
    for (const frame of this.session.outbox.values()) {
      if (frame.type !== "message") continue;
      this.drafts.set(frame.msg_id, frame.text);
      this.addPending(frame.msg_id, frame.text);
    }
  }

  /** The counter under the input: shown near the limit, red and "send" disabled over it. */
  updateCounter() {
    const { input, send, count } = this.v.composer;
    if (!this.t) return;
    const n = textLength(input.value);
    const over = tooLong(input.value, this.limits);
    count.hidden = !over && n < this.limits.chars * 0.8;
    count.classList.toggle("over", over);
    count.textContent = this.t("widget.text_counter", { count: n, max: this.limits.chars });
    send.disabled = over || this.state === "closed";
    if (over) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
    if (!over && this.note?.key === "widget.text_too_long") this.showNote(null);
  }

  /** A visible reason under the input (null: none). Kept as a key so a language switch re-renders it. */
  showNote(key) {
    this.note = key ? { key } : null;
    const node = this.v.composer.note;
    node.hidden = !key;
    node.textContent = key && this.t ? this.t(key, { max: this.limits.chars }) : "";
  }

  /** A message the gateway refused for good: back into the input (unless the citizen typed something else
   * meanwhile) with the reason, so nothing the citizen wrote silently disappears. */
  giveBack(msgId) {
    const text = this.drafts.get(msgId);
    this.drafts.delete(msgId);
    if (text === undefined) return;
    const input = this.v.composer.input;
    if (!input.value.trim()) input.value = text;
    this.updateCounter();
    this.showNote(tooLong(text, this.limits) ? "widget.text_too_long" : "widget.message_refused");
  }

  citizenTyping() {
    if (this.state !== "with_agent") return;
    const now = Date.now();
    if (now - this.lastTypingSent > 3000) {
      this.session.sendTransient({ type: "typing", active: true });
      this.lastTypingSent = now;
    }
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(() => {
      this.session.sendTransient({ type: "typing", active: false });
      this.lastTypingSent = 0;
    }, 4000);
  }

  /** Send a frame and resolve when the gateway acknowledges it (reject on an error for it). */
  request(type, fields) {
    return new Promise((resolve, reject) => {
      const msgId = this.session.send(type, fields);
      this.waiters.set(msgId, { resolve, reject });
    });
  }

  ctx() {
    return {
      formatTime: (ts) => this.fmt.time(ts),
      digits: this.fmt.digits,
      onChoice: (b) => {
        const msgId = this.session.send("button", { payload: b.payload, title: b.title });
        retireChoices(this.v.log);
        this.addPending(msgId, b.title);
      },
      onFeedback: (msg, value) => this.request("feedback", { seq: msg.seq, value }),
    };
  }

  /** The 👍/👎 sent for the bot message `seq` and not acknowledged yet (kept in the outbox over a reload). */
  unsentFeedback(seq) {
    for (const frame of this.session.outbox.values()) {
      if (frame.type === "feedback" && frame.seq === seq) return frame.value;
    }
    return null;
  }

  onEntry(entry, info) {
    applyEntry(this, entry, info);
    if (info.live && !info.duplicate && ["bot_message", "agent_message"].includes(entry.type)) {
      this.v.typing.textContent = "";
      if (this.v.panel.hidden) {
        this.unread += 1;
        this.updateBadge();
      }
    }
    this.scrollDown();
  }

  onTransient(f) {
    if (f.type === "started" || f.type === "resumed") {
      this.limits = limitsOf(f, this.limits);
      this.updateCounter();
    }
    if (f.type === "ack") {
      this.drafts.delete(f.msg_id);
      const node = this.v.log.querySelector(`[data-msg-id="${CSS.escape(f.msg_id)}"]`);
      if (node) this.placeAt(node, f.seq);
      this.settle(f.msg_id, null);
    } else if (f.type === "error") {
      this.onError(f);
    } else if (f.type === "resumed") {
      this.setState(f.state, {});
    } else if (f.type === "queue_position") {
      this.queueInfo = { position: f.position, wait: f.estimated_wait_s };
      this.updateQueue();
    } else if (f.type === "typing") {
      this.showTyping(f);
    }
  }

  onError(f) {
    // Retryable (rate_limited, internal): the session resends the same frame; its bubble stays pending and
    // forms keep waiting for the ack instead of failing.
    if (f.msg_id && RETRYABLE.has(f.code)) return;
    if (f.msg_id) this.settle(f.msg_id, f);
    if (f.code === "closed") this.setState("closed", {});
    if (f.code === "bot_unavailable") this.system("widget.bot_unavailable");
    if (f.code === "too_many_conversations") {
      this.system("widget.too_many_conversations");
      this.setState("closed", {}); // input off; "new conversation" lets the citizen try again later
    }
    if (f.msg_id && f.code !== "bot_unavailable") {
      const node = this.v.log.querySelector(`[data-msg-id="${CSS.escape(f.msg_id)}"]`);
      if (node && node.classList.contains("pending")) node.remove();
      if (f.code !== "closed") this.giveBack(f.msg_id);
    }
  }

  settle(msgId, error) {
    const w = this.waiters.get(msgId);
    if (!w) return;
    this.waiters.delete(msgId);
    if (error) w.reject(error);
    else w.resolve();
  }

  showTyping(f) {
    clearTimeout(this.typingHide);
    if (!f.active) {
      this.v.typing.textContent = "";
      return;
    }
    const name = f.from === "agent" ? isolate(this.agentName || this.t("widget.agent_fallback"))
      : this.t("widget.bot_name");
    this.v.typing.textContent = this.t("widget.typing", { name });
    this.typingHide = setTimeout(() => { this.v.typing.textContent = ""; }, 10000);
  }

  /** Insert (or move) a node so that the log stays in seq order; pending nodes stay last. */
  placeAt(node, seq) {
    node.dataset.seq = String(seq);
    node.classList.remove("pending");
    delete node.dataset.msgId;
    const after = [...this.v.log.children].find((c) => c !== node && (c.dataset.seq === undefined
      || Number(c.dataset.seq) > seq));
    if (node.nextElementSibling !== after) this.v.log.insertBefore(node, after || null);
  }

  append(node, seq) {
    if (seq == null) this.v.log.append(node);
    else this.placeAt(node, seq);
    return node;
  }

  system(key, vars = null, seq = null) {
    const node = el("div", { class: "msg system" });
    this.S.bind(node, key, null, vars);
    return this.append(node, seq);
  }

  setState(state, info) {
    if (!state) return;
    this.state = state;
    if (state === "with_agent" && info.agent_name) this.agentName = info.agent_name;
    if (state === "queued") this.queueInfo = { position: info.position, wait: info.estimated_wait_s };
    const closed = state === "closed";
    this.v.composer.input.disabled = closed;
    this.updateCounter(); // send stays disabled while closed or over the limit
    this.v.agentBtn.hidden = state !== "bot";
    this.v.newBtn.hidden = !closed;
    this.updateQueue();
  }

  updateQueue() {
    const q = this.v && this.v.queue;
    if (!q || !this.t) return;
    q.box.hidden = this.state !== "queued";
    const info = this.queueInfo || {};
    q.position.textContent = info.position ? this.t("widget.queue_position", { position: info.position }) : "";
    const minutes = info.wait ? this.t("format.minutes", { count: Math.max(1, Math.round(info.wait / 60)) }) : null;
    q.wait.textContent = minutes ? this.t("widget.queue_wait", { minutes }) : this.t("widget.queue_wait_unknown");
  }

  updateBadge() {
    const b = this.v.badge;
    b.hidden = this.unread === 0;
    b.textContent = this.fmt ? this.fmt.number(this.unread) : String(this.unread);
    this.S.bind(this.v.launcherLabel, this.unread ? "widget.launcher_unread" : "widget.launcher", null,
      { count: this.unread });
  }

  showConnection(s) {
    const st = this.v.status;
    st.hidden = s === "open";
    if (s === "connecting") this.S.bind(st, "widget.connecting");
    if (s === "reconnecting") this.S.bind(st, "widget.reconnecting");
  }

  resetLog() {
    this.v.log.replaceChildren();
    this.state = "bot";
    this.agentName = null;
    this.setState("bot", {});
  }

  scrollDown() {
    this.v.log.scrollTop = this.v.log.scrollHeight;
  }

  callbackForm(introKey, vars) {
    const intro = this.S.bind(el("p"), introKey, null, vars);
    return callbackCard(this.S, intro, (data) => this.request("leave_message", data));
  }

  csatForm() {
    return csatCard(this.S, (data) => this.request("csat", data.comment ? data : { score: data.score }),
      [followupStep((fields) => this.request("followup_contact", fields))]);
  }

  markCardsDone(selector, key) {
    for (const form of this.v.log.querySelectorAll(selector)) {
      if (!form.dataset.done) markDone(this.S, form, key);
    }
  }
}
