// The conversation column: transcript (bot part included), reply box, typing, resolve, return to bot.
import { el, isolate, link, plainText, richText } from "../js/safe.js";
import { clock } from "./clock.js";

const $ = (id) => document.getElementById(id);

// Errors after which a message was not stored but may be later (docs/protocol.md §2): resend the same msg_id.
const RETRYABLE = new Set(["rate_limited", "internal"]);
const RETRY_MAX_MS = 30000;

function newMsgId() {
  return `a-${crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`}`;
}

export class ChatView {
  constructor(app) {
    this.app = app;
    this.convs = new Map();
    this.selected = null;
    this.lastTyping = 0;
    this.retries = new Map(); // msg_id -> resends after a retryable error (for the back-off)
    $("reply-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      this.send();
    });
    $("reply").addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
        ev.preventDefault();
        this.send();
      }
    });
    $("reply").addEventListener("input", () => this.#typing());
    $("resolve").addEventListener("click", () => this.#confirmResolve());
    $("resolve-dialog").addEventListener("close", () => {
      if ($("resolve-dialog").returnValue === "confirm") this.#act({ type: "resolve", outcome: $("outcome").value });
      else $("resolve").focus();
    });
    $("return-bot").addEventListener("click", () => this.#act({ type: "return_to_bot" }));
  }

  get t() {
    return this.app.t;
  }

  /** A `conversation` frame: the answer to claim or open. */
  load(f) {
    let conv = this.convs.get(f.conversation_id);
    if (!conv) {
      conv = { cid: f.conversation_id, entries: new Map(), lastSeq: 0, unread: 0, pending: new Map() };
      this.convs.set(conv.cid, conv);
    }
    Object.assign(conv, { state: f.state, locale: f.locale, handoff: f.handoff || conv.handoff,
      dayNo: f.day_no ?? conv.dayNo, createdAt: f.created_at || conv.createdAt,
      present: f.citizen_present ?? conv.present });
    for (const e of f.entries || []) this.#store(conv, e);
    if (!this.selected || f.ref) this.select(conv.cid);
    else this.app.lists.renderMine(this.convs, this.selected);
  }

  #store(conv, e) {
    if (conv.entries.has(e.seq)) return false;
    conv.entries.set(e.seq, e);
    while (conv.entries.has(conv.lastSeq + 1)) conv.lastSeq += 1;
    if (e.type === "status") conv.state = e.state;
    return true;
  }

  entry(cid, e) {
    const conv = this.convs.get(cid);
    if (!conv) return;
    const gap = e.seq > conv.lastSeq + 1;
    if (!this.#store(conv, e)) return;
    if (gap) this.app.sock.request({ type: "open", conversation_id: cid, after_seq: conv.lastSeq }).catch(() => {});
    if (cid === this.selected) {
      this.#render(conv);
    } else if (e.type === "user_message") {
      conv.unread += 1;
    }
    if (e.type === "user_message") this.app.alerts.message(cid, this.label(conv));
    if (e.type === "user_message" && cid === this.selected) $("chat-typing").textContent = "";
    this.app.lists.renderMine(this.convs, this.selected);
  }

  select(cid) {
    this.selected = cid;
    const conv = this.convs.get(cid);
    if (conv) conv.unread = 0;
    this.app.lists.renderMine(this.convs, cid);
    $("reply-form").hidden = !conv;
    $("chat-typing").textContent = "";
    $("chat-title").replaceChildren(conv ? this.label(conv) : this.t("console.select_chat"));
    this.#renderPresence();
    if (conv) this.#render(conv);
    else $("transcript").replaceChildren();
    this.app.faq.showPacket(conv ? conv.handoff : null);
  }

  /** "المواطن رقم 12 اليوم · بطاقة ذوي الإعاقة · بدأت 10:42": what an agent calls a chat (never the raw id). */
  label(conv) {
    const t = this.t;
    const parts = [conv.dayNo ? t("console.citizen_no", { n: conv.dayNo }) : t("console.citizen")];
    if (conv.handoff?.topic) parts.push(conv.handoff.topic);
    if (conv.createdAt) parts.push(t("console.started_at", { time: clock(this.app.lang, conv.createdAt) }));
    return parts.map((p) => isolate(p)).join(" · ");
  }

  presence(cid, present) {
    const conv = this.convs.get(cid);
    if (!conv) return;
    conv.present = present;
    if (cid === this.selected) this.#renderPresence();
    this.app.lists.renderMine(this.convs, this.selected);
  }

  #renderPresence() {
    const conv = this.convs.get(this.selected);
    const node = $("citizen-presence");
    node.hidden = !conv || conv.present == null;
    if (node.hidden) return;
    node.className = `presence ${conv.present ? "here" : "gone"}`;
    node.textContent = this.t(conv.present ? "console.citizen_here" : "console.citizen_gone");
  }

  #confirmResolve() {
    if (!this.selected) return;
    const outcome = $("outcome").selectedOptions[0]?.textContent || "";
    $("resolve-dialog-text").textContent = this.t("console.resolve_confirm_text", { outcome });
    $("resolve-dialog").returnValue = "";
    $("resolve-dialog").showModal();
  }

  drop(cid) {
    this.convs.delete(cid);
    if (this.selected === cid) this.select(this.convs.keys().next().value || null);
    else this.app.lists.renderMine(this.convs, this.selected);
  }

  #render(conv) {
    const nodes = [...conv.entries.values()].sort((a, b) => a.seq - b.seq).map((e) => this.#entryNode(e))
      .filter(Boolean);
    for (const [msgId, text] of conv.pending) {
      nodes.push(this.#bubble("agent pending", this.app.me.display_name, text, null, msgId));
    }
    const box = $("transcript");
    box.replaceChildren(...nodes);
    box.scrollTop = box.scrollHeight;
  }

  #bubble(cls, who, text, ts, msgId = null) {
    // Citizens' [label](url) links stay literal: an agent must see where a link really goes.
    const rich = richText(text, { labels: cls !== "citizen" });
    // dir=auto on every node showing user text (names too): each is a bidi isolate of its own.
    const node = el("div", { class: `entry ${cls}` },
      el("span", { class: "who", dir: "auto" }, plainText(who)),
      el("div", { class: "text", dir: "auto" }, rich));
    if (ts) node.append(el("time", { datetime: ts }, clock(this.app.lang, ts)));
    if (msgId) node.dataset.msgId = msgId;
    return node;
  }

  #entryNode(e) {
    const t = this.t;
    if (e.type === "user_message") return this.#bubble("citizen", t("console.citizen"), e.text, e.ts);
    if (e.type === "agent_message") return this.#bubble("agent", e.agent_name || t("console.agent"), e.text, e.ts);
    if (e.type === "bot_message") {
      const node = this.#bubble("bot", t("console.bot"), e.text, e.ts);
      // An answer's source (bot_message.links): the agent sees which FAQ the bot answered from.
      for (const l of e.links || []) {
        node.append(el("p", { class: "muted source", dir: "auto" }, `${t("console.source")} `, link(l.url, l.title) ?? l.title));
      }
      if (e.buttons?.length) {
        node.append(el("p", { class: "muted" }, t("console.buttons", { titles: e.buttons.map((b) => b.title).join("، ") })));
      }
      return node;
    }
    const line = this.#systemText(e);
    return line ? el("div", { class: "entry system" }, line) : null;
  }

  #systemText(e) {
    const t = this.t;
    if (e.type === "status") {
      const reason = e.reason ? t(`console.reasons.${e.reason}`) : "";
      const state = e.reason === "transferred" ? "transferred" : e.state;
      return t(`console.state_${state}`, { reason, name: isolate(e.agent_name || "") });
    }
    if (e.type === "handoff_unavailable") return t("console.handoff_unavailable");
    if (e.type === "csat_request") return t("console.csat_request");
    if (e.type === "event" && e.event === "feedback") return t(`console.feedback_${e.value}`);
    return null;
  }

  send() {
    const conv = this.convs.get(this.selected);
    const text = $("reply").value.trim();
    if (!conv || !text) return;
    const msgId = newMsgId();
    conv.pending.set(msgId, text);
    this.#sendPending(conv.cid, msgId);
    this.app.sock.send({ type: "typing", conversation_id: conv.cid, active: false });
    this.lastTyping = 0;
    $("reply").value = "";
    this.#render(conv);
  }

  #sendPending(cid, msgId) {
    const text = this.convs.get(cid)?.pending.get(msgId);
    if (text !== undefined) this.app.sock.send({ type: "message", conversation_id: cid, msg_id: msgId, text });
  }

  /** After a reconnect: every message not acked yet, again with its msg_id (the gateway stores it once). */
  resendPending() {
    for (const conv of this.convs.values()) {
      for (const msgId of conv.pending.keys()) this.#sendPending(conv.cid, msgId);
    }
  }

  ack(f) {
    const conv = this.convs.get(f.conversation_id);
    this.retries.delete(f.msg_id);
    if (!conv || !conv.pending.delete(f.msg_id)) return;
    if (!conv.entries.has(f.seq)) {
      const text = $("transcript").querySelector(`[data-msg-id="${CSS.escape(f.msg_id)}"] .text`)?.textContent;
      this.#store(conv, { type: "agent_message", seq: f.seq, ts: new Date().toISOString(), text: text || "",
        agent_name: this.app.me.display_name });
    }
    if (conv.cid === this.selected) this.#render(conv);
  }

  typing(f) {
    if (f.conversation_id !== this.selected) return;
    $("chat-typing").textContent = f.active ? this.t("console.typing") : "";
  }

  error(f) {
    // An invalid_frame error names the msg_id but not always the conversation_id: find it by msg_id.
    const conv = f.msg_id && [...this.convs.values()].find((c) => c.pending.has(f.msg_id));
    if (conv) this.#messageRefused(conv, f);
    if (f.code === "not_assigned" && f.conversation_id) this.drop(f.conversation_id);
  }

  /** A reply the gateway did not store: retried with back-off (pending bubble kept), or — refused for
   * good — taken out of the transcript and put back into the reply box with the reason. */
  #messageRefused(conv, f) {
    if (RETRYABLE.has(f.code)) {
      const n = this.retries.get(f.msg_id) || 0;
      this.retries.set(f.msg_id, n + 1);
      const delay = Math.min(RETRY_MAX_MS, 1500 * 2 ** n) * (0.75 + Math.random() * 0.5);
      setTimeout(() => this.#sendPending(conv.cid, f.msg_id), delay);
      return;
    }
    const text = conv.pending.get(f.msg_id);
    conv.pending.delete(f.msg_id);
    this.retries.delete(f.msg_id);
    if (conv.cid === this.selected) {
      if (!$("reply").value.trim()) $("reply").value = text;
      $("chat-typing").textContent = this.t("console.error", { code: f.code });
      this.#render(conv);
    }
  }

  #typing() {
    const now = Date.now();
    if (!this.selected || now - this.lastTyping < 3000) return;
    this.lastTyping = now;
    this.app.sock.send({ type: "typing", conversation_id: this.selected, active: true });
  }

  async #act(frame) {
    const cid = this.selected;
    if (!cid) return;
    try {
      await this.app.sock.request({ ...frame, conversation_id: cid });
      this.drop(cid);
      this.app.faq.clear(); // the next chat starts with an empty search
    } catch (err) {
      $("chat-typing").textContent = this.t("console.error", { code: err.code });
    }
  }
}
