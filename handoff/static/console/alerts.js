// Agent alerts: a chime and a desktop notification when a citizen starts waiting, and for a new citizen
// message in a held chat while the console's tab is hidden. The browser's permission is asked once (on a
// click: browsers ignore requests without one), and the mute switch is remembered in this browser.
const $ = (id) => document.getElementById(id);
const MUTE_KEY = "faq-console-muted";
const ASKED_KEY = "faq-console-notifications-asked";

export class Alerts {
  constructor(app) {
    this.app = app;
    this.muted = localStorage.getItem(MUTE_KEY) === "1";
    this.audio = null;
    $("mute").addEventListener("click", () => this.setMuted(!this.muted));
    // The first click anywhere is the gesture both the permission prompt and the audio need.
    document.addEventListener("pointerdown", () => this.prepare(), { once: true, capture: true });
    document.addEventListener("keydown", () => this.prepare(), { once: true, capture: true });
    this.#renderMute();
  }

  get t() {
    return this.app.t;
  }

  setMuted(muted) {
    this.muted = muted;
    localStorage.setItem(MUTE_KEY, muted ? "1" : "0");
    this.#renderMute();
  }

  #renderMute() {
    const btn = $("mute");
    btn.setAttribute("aria-pressed", String(this.muted));
    btn.title = this.t(this.muted ? "console.alerts_muted" : "console.alerts_on");
  }

  /** Inside a user gesture: unlock audio, and ask for notifications unless this browser was asked before. */
  prepare() {
    try {
      this.audio ||= new AudioContext();
      if (this.audio.state === "suspended") this.audio.resume().catch(() => {});
    } catch {
      this.audio = null; // no Web Audio: the notification and the title count remain
    }
    if (!("Notification" in window) || Notification.permission !== "default" || localStorage.getItem(ASKED_KEY)) {
      return;
    }
    localStorage.setItem(ASKED_KEY, "1");
    Promise.resolve(Notification.requestPermission()).catch(() => {});
  }

  /** A citizen joined the queue. */
  waiting(item) {
    const topic = item.topic || this.t("console.no_topic");
    this.#alert(this.t("console.alert_waiting"), `${this.t("console.topic")}: ${topic}`,
      `q-${item.conversation_id}`, () => {});
  }

  /** A colleague transferred a chat to this agent. */
  transferred(cid, name) {
    this.#alert(this.t("console.alert_transferred", { name }), this.app.chat.label(this.app.chat.convs.get(cid) || {}),
      `t-${cid}`, () => this.app.chat.select(cid));
  }

  /** A citizen wrote in a held chat while the tab is hidden. */
  message(cid, label) {
    if (!document.hidden) return;
    this.#alert(this.t("console.alert_message"), label, `m-${cid}`, () => this.app.chat.select(cid));
  }

  #alert(title, body, tag, onclick) {
    if (this.muted) return;
    this.#chime();
    if (!(document.hidden || !document.hasFocus())) return;
    if (!("Notification" in window) || Notification.permission !== "granted") return;
    try {
      // Only our own labels, never the citizen's words: a desktop notification shows on a locked screen.
      const n = new Notification(title, { body, tag, lang: this.app.lang, dir: "auto" });
      n.onclick = () => {
        window.focus();
        onclick();
        n.close();
      };
    } catch {
      // Some browsers allow notifications only from a service worker: the chime and the title remain.
    }
  }

  #chime() {
    const ctx = this.audio;
    if (!ctx) return;
    const t0 = ctx.currentTime;
    for (const [i, freq] of [[0, 880], [1, 1320]]) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      const start = t0 + i * 0.18;
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, start);
      gain.gain.exponentialRampToValueAtTime(0.25, start + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.3);
      osc.connect(gain).connect(ctx.destination);
      osc.start(start);
      osc.stop(start + 0.32);
    }
  }
}
