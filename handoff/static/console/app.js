// Agent console entry point: sign-in, the agent socket, and dispatch of its frames.
import { Format } from "../js/format.js";
import { dirOf, loadTable, translator } from "../js/i18n.js";
import { plainText } from "../js/safe.js";
import { Alerts } from "./alerts.js";
import { Api } from "./api.js";
import { CannedPanel } from "./canned.js";
import { ChatView } from "./chat.js";
import { FaqPanel } from "./faq.js";
import { Lists } from "./lists.js";
import { FollowupList } from "../followups/list.js";
import { AgentSocket } from "./socket.js";
import { TransferDialog } from "./transfer.js";

const $ = (id) => document.getElementById(id);
const TOKEN_KEY = "faq-console-token";

class Console {
  async init() {
    const lang = new URLSearchParams(location.search).get("lang") === "en" ? "en" : "ar";
    this.lang = lang;
    this.fmt = new Format(lang, "latn");
    this.t = translator(await loadTable(new URL("/static/", location.href), lang), this.fmt);
    document.documentElement.lang = lang;
    document.documentElement.dir = dirOf(lang);
    document.title = this.t("console.title");
    for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = this.t(node.dataset.i18n);
    this.api = new Api(sessionStorage.getItem(TOKEN_KEY));
    this.alerts = new Alerts(this);
    this.lists = new Lists(this);
    this.chat = new ChatView(this);
    this.faq = new FaqPanel(this);
    this.canned = new CannedPanel(this);
    this.transfer = new TransferDialog(this);
    $("login-form").addEventListener("submit", (ev) => this.login(ev));
    $("logout").addEventListener("click", () => this.logout());
    $("presence").addEventListener("change", (ev) => this.sock.send({ type: "presence", status: ev.target.value }));
    setInterval(() => this.lists.tick(), 5000);
    if (this.api.token) {
      try {
        this.start(await this.api.me());
        return;
      } catch {
        sessionStorage.removeItem(TOKEN_KEY);
      }
    }
    this.showLogin();
  }

  showLogin() {
    $("app-view").hidden = true;
    $("login-view").hidden = false;
    $("login-user").focus();
  }

  async login(ev) {
    ev.preventDefault();
    $("login-error").textContent = "";
    try {
      const res = await new Api().login($("login-user").value.trim(), $("login-pass").value);
      sessionStorage.setItem(TOKEN_KEY, res.token);
      this.api.token = res.token;
      $("login-pass").value = "";
      this.start(res);
    } catch {
      $("login-error").textContent = this.t("console.login_failed");
    }
  }

  async logout() {
    try {
      await this.api.logout();
    } catch {
      // the token is dropped locally either way
    }
    sessionStorage.removeItem(TOKEN_KEY);
    location.reload();
  }

  start(me) {
    this.me = me;
    $("login-view").hidden = true;
    $("app-view").hidden = false;
    $("me-name").textContent = plainText(me.display_name || me.username);
    this.canned.load();
    this.sock = new AgentSocket(this.api.token, {
      onFrame: (f) => this.onFrame(f),
      onStatus: (s) => this.onStatus(s),
      onAuthFailed: () => {
        sessionStorage.removeItem(TOKEN_KEY);
        this.showLogin();
      },
    });
    this.sock.open();
    this.followups = new FollowupList(this, $("followups"));
    this.followups.start().catch(() => {});
  }

  onStatus(s) {
    const node = $("conn-status");
    node.hidden = s === "open";
    node.textContent = s === "open" ? "" : this.t("console.connection_lost");
  }

  async onAuthOk(f) {
    // auth makes the agent online; after a reconnect keep the status the agent had chosen.
    if ($("presence").value === "away") this.sock.send({ type: "presence", status: "away" });
    this.chat.resendPending();
    const queue = await this.sock.request({ type: "get_queue" });
    this.lists.setQueue(queue.items, queue.agents_online);
    for (const cid of f.assigned || []) {
      const conv = this.chat.convs.get(cid);
      this.sock.request({ type: "open", conversation_id: cid, after_seq: conv ? conv.lastSeq : 0 })
        .catch(() => this.chat.drop(cid));
    }
    const cbs = await this.sock.request({ type: "list_callbacks" });
    this.lists.setCallbacks(cbs.items);
  }

  onFrame(f) {
    const handlers = {
      auth_ok: () => this.onAuthOk(f).catch(() => {}),
      queue_added: () => this.lists.addQueueItem(f.item, true),
      queue_removed: () => this.lists.removeQueueItem(f.conversation_id),
      conversation: () => {
        this.chat.load(f);
        if (f.transferred_from) this.alerts.transferred(f.conversation_id, f.transferred_from);
      },
      entry: () => this.chat.entry(f.conversation_id, f.entry),
      ack: () => this.chat.ack(f),
      typing: () => this.chat.typing(f),
      citizen_presence: () => this.chat.presence(f.conversation_id, f.present),
      released: () => this.chat.drop(f.conversation_id),
      callback_added: () => this.lists.addCallback(f.item),
      presence: () => { $("presence").value = f.status; },
      error: () => this.chat.error(f),
    };
    if (handlers[f.type]) handlers[f.type]();
  }

  async claim(cid) {
    try {
      await this.sock.request({ type: "claim", conversation_id: cid });
    } catch (err) {
      this.lists.claimFailed(cid, err.code);
    }
  }
}

const app = new Console();
window.faqConsole = app;
app.init();
