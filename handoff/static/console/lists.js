// The console's start column: queue, my conversations (with unread counts), callback requests.
import { el, plainText } from "../js/safe.js";
import { dayClock } from "./clock.js";

const $ = (id) => document.getElementById(id);

export function duration(t, seconds) {
  const s = Math.max(0, Math.round(seconds));
  return s < 60 ? t("console.seconds", { count: s }) : t("console.minutes", { count: Math.floor(s / 60) });
}

export class Lists {
  constructor(app) {
    this.app = app;
    this.queue = new Map();
    this.callbacks = new Map();
  }

  get t() {
    return this.app.t;
  }

  setQueue(items, online) {
    this.queue.clear();
    for (const item of items) this.#remember(item);
    if (online != null) $("agents-online").textContent = this.t("console.agents_online", { count: online });
    this.renderQueue();
  }

  /** `live`: announced now (queue_added), not part of a snapshot; a citizen new to the queue alerts. */
  addQueueItem(item, live = false) {
    const known = this.queue.has(item.conversation_id);
    this.#remember(item);
    this.renderQueue();
    if (live && !known) this.app.alerts.waiting(item);
  }

  removeQueueItem(cid) {
    this.queue.delete(cid);
    this.renderQueue();
  }

  #remember(item) {
    // waiting_s is relative to when the gateway sent it; keep our own clock from there.
    this.queue.set(item.conversation_id, { ...item, seenAt: Date.now() });
  }

  claimFailed(cid, code) {
    const li = $("queue-list").querySelector(`[data-cid="${CSS.escape(cid)}"]`);
    if (li) li.querySelector(".err").textContent = code === "already_claimed" ? this.t("console.claim_lost")
      : this.t("console.error", { code });
  }

  tick() {
    for (const li of $("queue-list").children) {
      const item = this.queue.get(li.dataset.cid);
      if (item) li.querySelector(".wait").textContent = this.#waiting(item);
    }
  }

  #waiting(item) {
    const s = (item.waiting_s || 0) + (Date.now() - item.seenAt) / 1000;
    return this.t("console.waiting", { duration: duration(this.t, s) });
  }

  renderQueue() {
    const items = [...this.queue.values()].sort((a, b) => (a.position || 0) - (b.position || 0));
    $("queue-list").replaceChildren(...items.map((item) => this.#queueItem(item)));
    $("queue-empty").hidden = items.length > 0;
    $("queue-count").textContent = items.length ? String(items.length) : "";
    this.#title();
  }

  /** "(3) لوحة الموظفين": waiting citizens + unread messages, visible when the tab is in the background. */
  #title() {
    const unread = [...this.app.chat.convs.values()].reduce((n, c) => n + (c.unread || 0), 0);
    const count = this.queue.size + unread;
    document.title = count ? `(${count}) ${this.t("console.title")}` : this.t("console.title");
  }

  #queueItem(item) {
    const reason = this.t(`console.reasons.${item.reason}`);
    const claim = el("button", { class: "btn", type: "button", onclick: () => this.app.claim(item.conversation_id) },
      this.t("console.claim"));
    const summary = (item.summary || []).join(" · ");
    return el("li", { class: "item queue-item", dataset: { cid: item.conversation_id } },
      el("div", { class: "row" }, el("span", { class: "tag" }, reason),
        item.present === false ? el("span", { class: "tag absent" }, this.t("console.absent")) : null,
        el("span", { class: "wait" }, this.#waiting(item))),
      item.day_no ? el("p", { class: "day-no" }, this.t("console.citizen_no", { n: item.day_no })) : null,
      el("p", {}, `${this.t("console.topic")}: `, el("bdi", {}, item.topic || this.t("console.no_topic"))),
      el("p", { class: "preview", title: summary, dir: "auto" }, plainText(summary)),
      el("div", { class: "row" }, el("span", { class: "err error" }), claim));
  }

  /** My conversations: one button each, with the unread count. */
  renderMine(convs, selected) {
    const items = [...convs.values()].map((c) => {
      const last = [...c.entries.values()].filter((e) => e.type === "user_message").pop();
      const summary = (c.handoff && c.handoff.summary) || [];
      const text = last ? last.text : summary[summary.length - 1] || "";
      // Each part its own bidi isolate: a Latin-first message must not reorder the Arabic label around it.
      const head = el("span", { class: "chat-label", dir: "auto" }, this.app.chat.label(c));
      const gone = c.present === false ? el("span", { class: "tag absent" }, this.t("console.citizen_gone")) : null;
      const preview = el("span", { class: "chat-preview", dir: "auto" }, plainText(text.slice(0, 60)));
      const btn = el("button", { class: "chat-btn", type: "button", "aria-current": String(c.cid === selected),
        onclick: () => this.app.chat.select(c.cid) }, head, gone, preview);
      if (c.unread) btn.append(el("span", { class: "unread" }, this.t("console.unread", { count: c.unread })));
      return el("li", { dataset: { cid: c.cid } }, btn);
    });
    $("mine-list").replaceChildren(...items);
    $("mine-empty").hidden = items.length > 0;
    this.#title();
  }

  setCallbacks(items) {
    this.callbacks.clear();
    for (const cb of items) this.callbacks.set(cb.callback_id, cb);
    this.renderCallbacks();
  }

  addCallback(cb) {
    this.callbacks.set(cb.callback_id, cb);
    this.renderCallbacks();
  }

  renderCallbacks() {
    const open = [...this.callbacks.values()].filter((cb) => cb.status !== "done")
      .sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)));
    $("cb-list").replaceChildren(...open.map((cb) => this.#callbackItem(cb)));
    $("cb-empty").hidden = open.length > 0;
  }

  #callbackItem(cb) {
    const done = el("button", { class: "btn btn-secondary", type: "button", onclick: async () => {
      done.disabled = true;
      try {
        await this.app.api.callbackDone(cb.callback_id);
        cb.status = "done";
        this.renderCallbacks();
      } catch {
        done.disabled = false;
      }
    } }, this.t("console.callback_done"));
    const tel = el("a", { href: `tel:${String(cb.mobile).replace(/[^0-9+]/g, "")}`, dir: "ltr" }, cb.mobile);
    return el("li", { class: "item callback-item" },
      el("div", { class: "row" }, el("strong", { dir: "auto" }, plainText(cb.name)), cb.callback ? el("span", { class: "tag" },
        this.t("console.call_back")) : null),
      el("p", {}, `${this.t("console.mobile")}: `, tel),
      el("p", { class: "preview", title: cb.message, dir: "auto" }, plainText(cb.message)),
      el("div", { class: "row" }, el("time", { class: "stamp", datetime: cb.created_at },
        dayClock(this.app.lang, cb.created_at)), done));
  }
}
