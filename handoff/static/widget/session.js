// The citizen side of the gateway protocol (docs/protocol.md §1): start/resume, an outbox of unacked
// frames resent with the same msg_id after every reconnect, and seq bookkeeping so that a reconnect
// or a reload shows every transcript entry exactly once.
import { Connection, wsUrl } from "../js/conn.js";

const TRANSIENT = new Set(["started", "resumed", "ack", "typing", "queue_position", "error", "pong"]);
// Errors after which the frame was not stored but may be later (docs/protocol.md §1): it stays in the outbox
// and is resent with the same msg_id (after a back-off, and after every reconnect). Any other error is final.
export const RETRYABLE = new Set(["rate_limited", "internal"]);
const RETRY_MAX_MS = 30000;

function newMsgId() {
  if (crypto.randomUUID) return `m-${crypto.randomUUID()}`;
  return `m-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

export class ChatSession {
  /**
   * @param {string} gateway http(s) base URL of the gateway
   * @param {{onEntry: Function, onTransient: Function, onStatus: Function, onReset: Function}} events
   * onEntry(entry, {live}) for transcript entries (each seq once), onTransient(frame) for the others.
   */
  constructor(gateway, events, context = {}) {
    this.gateway = gateway;
    this.events = events;
    this.key = `faq-widget:${new URL(gateway).origin}`;
    const saved = this.#load();
    this.cid = saved.cid || null;
    this.token = saved.token || null;
    this.outbox = new Map(saved.outbox || []);
    this.retries = new Map(); // msg_id -> resends after a retryable error (for the back-off)
    this.seen = new Set();
    this.lastSeq = 0; // highest seq with no gap below it
    this.replayUntil = 0;
    this.conn = null;
    this.locale = "ar";
    // Where the widget is embedded (data-branch, data-service, the page path): sent once, on start.
    this.context = Object.fromEntries(Object.entries(context || {}).filter(([, v]) => typeof v === "string" && v));
  }

  get hasConversation() {
    return Boolean(this.cid && this.token);
  }

  connect(locale) {
    this.locale = locale;
    if (this.conn) return;
    this.conn = new Connection(wsUrl(this.gateway, "ws/chat"), {
      hello: () => (this.hasConversation
        ? { type: "resume", conversation_id: this.cid, token: this.token, last_seq: this.lastSeq }
        : { type: "start", locale: this.locale, ...this.context }),
      onFrame: (f) => this.#onFrame(f),
      onStatus: (s) => this.events.onStatus(s),
    });
    this.conn.open();
    // Keep idle connections alive through proxies that drop silent sockets.
    this.keepalive = setInterval(() => this.conn && this.conn.send({ type: "ping" }), 25000);
  }

  /** Queue a frame that needs an ack; returns its msg_id. */
  send(type, fields = {}) {
    const frame = { type, msg_id: newMsgId(), ...fields };
    this.outbox.set(frame.msg_id, frame);
    this.#save();
    if (this.conn && this.cid) this.conn.send(frame);
    return frame.msg_id;
  }

  /** The citizen's language: the gateway passes it to the bot with every later message. */
  setLocale(locale) {
    if (locale === this.locale) return;
    this.locale = locale;
    this.sendTransient({ type: "locale", locale });
  }

  /** Fire-and-forget frames (typing). */
  sendTransient(frame) {
    if (this.conn && this.cid) this.conn.send(frame);
  }

  /** Close the socket for good (no reconnect) until `connect` or `restart`. */
  disconnect() {
    if (this.conn) this.conn.close();
    clearInterval(this.keepalive);
    this.conn = null;
  }

  /** Drop the conversation and start a fresh one on a new socket. */
  restart(locale) {
    this.disconnect();
    this.cid = null;
    this.token = null;
    this.outbox.clear();
    this.retries.clear();
    this.seen.clear();
    this.lastSeq = 0;
    this.replayUntil = 0;
    this.#save();
    this.events.onReset();
    this.connect(locale);
  }

  #onFrame(f) {
    if (typeof f.seq === "number" && !TRANSIENT.has(f.type)) return this.#entry(f);
    if (f.type === "started") {
      this.cid = f.conversation_id;
      this.token = f.token;
      this.#save();
      this.#flush();
    } else if (f.type === "resumed") {
      this.replayUntil = f.last_seq;
      // The language may have been switched while the socket was down: before any resent message.
      this.conn.send({ type: "locale", locale: this.locale });
      this.#flush();
    } else if (f.type === "ack") {
      this.outbox.delete(f.msg_id);
      this.retries.delete(f.msg_id);
      this.#save();
      if (typeof f.seq === "number") this.#markSeen(f.seq);
    } else if (f.type === "error") {
      this.#onError(f);
    }
    this.events.onTransient(f);
  }

  #entry(f) {
    if (this.seen.has(f.seq)) {
      // Our own message already shown from its ack: still let the view attach the seq.
      if (f.type === "user_message") this.events.onEntry(f, { live: false, duplicate: true });
      return;
    }
    this.#markSeen(f.seq);
    this.events.onEntry(f, { live: f.seq > this.replayUntil, duplicate: false });
  }

  #markSeen(seq) {
    this.seen.add(seq);
    while (this.seen.has(this.lastSeq + 1)) this.lastSeq += 1;
  }

  #onError(f) {
    if (f.code === "bad_token") {
      this.cid = null; // unknown or expired conversation: begin again
      this.token = null;
      this.#save();
      this.restart(this.locale);
      return;
    }
    if (f.code === "too_many_conversations") {
      // Refused for a while (per-address limit): reconnecting would only be refused again.
      this.disconnect();
      return;
    }
    if (!f.msg_id || !this.outbox.has(f.msg_id)) return;
    if (RETRYABLE.has(f.code)) {
      this.#retryLater(f.msg_id);
    } else {
      this.outbox.delete(f.msg_id); // refused for good (closed, invalid, wrong_state…)
      this.retries.delete(f.msg_id);
      this.#save();
    }
  }

  /** Resend an outbox frame after 1.5 s, 3 s, 6 s … 30 s (with jitter); a reconnect resends it sooner. */
  #retryLater(msgId) {
    const n = this.retries.get(msgId) || 0;
    this.retries.set(msgId, n + 1);
    const delay = Math.min(RETRY_MAX_MS, 1500 * 2 ** n) * (0.75 + Math.random() * 0.5);
    setTimeout(() => {
      const frame = this.outbox.get(msgId);
      if (frame && this.conn && this.cid) this.conn.send(frame);
    }, delay);
  }

  #flush() {
    for (const frame of this.outbox.values()) this.conn.send(frame);
  }

  #load() {
    try {
      return JSON.parse(sessionStorage.getItem(this.key) || "{}");
    } catch {
      return {};
    }
  }

  #save() {
    const data = { ...this.#load(), cid: this.cid, token: this.token, outbox: [...this.outbox.entries()] };
    try {
      sessionStorage.setItem(this.key, JSON.stringify(data));
    } catch {
      // storage full or disabled: the conversation still works until the page is closed
    }
  }

  /** UI preferences stored beside the conversation (language, open panel). */
  pref(name, value) {
    const data = this.#load();
    if (value === undefined) return data[name];
    data[name] = value;
    try {
      sessionStorage.setItem(this.key, JSON.stringify(data));
    } catch {
      // ignore
    }
    return value;
  }
}
