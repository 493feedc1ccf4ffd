// FAQ editor page: login, list + filters, edit form (validation, 409, near-duplicates), history with diffs.
// Everything user-supplied is rendered with textContent; strings come from /editor/editor-strings.json.
import { setupTools } from "/editor/editor-tools.js";

const TOKEN_KEY = "faq-editor-session";
const WRITE_ROLES = new Set(["editor", "supervisor"]);
const FIELDS = ["category", "question", "alternatives", "answer", "links", "tags", "status"];
const LISTS = new Set(["alternatives", "links", "tags"]);
let T = {};

export const t = (key, vars = {}) => {
  let v = typeof T[key] === "string" ? T[key] : key;
  for (const [name, x] of Object.entries(vars)) v = v.replaceAll(`{${name}}`, String(x));
  return v;
};
const $ = (sel) => document.querySelector(sel);

export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "text") node.textContent = v;
    else if (k === "class") node.className = v;
    else node.setAttribute(k, v);
  }
  node.append(...children);
  return node;
}

export class Api {
  constructor() {
    this.session = JSON.parse(sessionStorage.getItem(TOKEN_KEY) || "null");
  }
  headers(extra = {}) {
    return this.session ? { Authorization: `Bearer ${this.session.token}`, ...extra } : extra;
  }
  async call(method, path, body) {
    const init = { method, headers: this.headers({ Accept: "application/json" }) };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const res = await fetch(path, init);
    let data = null;
    try { data = await res.json(); } catch { data = null; }
    if (res.status === 401 && path !== "/api/login") app.showLogin();
    return { ok: res.ok, status: res.status, data };
  }
}

const lines = (text) => text.split("\n").map((s) => s.trim()).filter(Boolean);

class EditorApp {
  constructor() {
    this.api = new Api();
    this.current = null; // the entry in the form (null: a new one)
    this.fromUnanswered = [];
  }

  flash(text) {
    $("#flash").textContent = text;
  }

  get canWrite() {
    return Boolean(this.api.session && WRITE_ROLES.has(this.api.session.role));
  }

  showLogin() {
    sessionStorage.removeItem(TOKEN_KEY);
    this.api.session = null;
    $("#app-view").hidden = true;
    $("#login-view").hidden = false;
  }

  async login(ev) {
    ev.preventDefault();
    const res = await this.api.call("POST", "/api/login", { username: $("#login-user").value, password: $("#login-pass").value });
    if (!res.ok) {
      $("#login-error").textContent = t("login_failed");
      return;
    }
    this.api.session = { token: res.data.token, role: res.data.role, name: res.data.display_name };
    sessionStorage.setItem(TOKEN_KEY, JSON.stringify(this.api.session));
    $("#login-error").textContent = "";
    await this.enter();
  }

  async enter() {
    $("#login-view").hidden = true;
    $("#app-view").hidden = false;
    $("#me").textContent = this.api.session.name || "";
    $("#read-only").hidden = this.canWrite;
    for (const node of document.querySelectorAll(".write")) node.hidden = !this.canWrite;
    await this.loadList();
  }

  showTab(name) {
    for (const b of document.querySelectorAll(".tab")) b.setAttribute("aria-pressed", String(b.dataset.tab === name));
    for (const p of document.querySelectorAll(".panel")) p.hidden = p.id !== `panel-${name}`;
    if (name === "unanswered") this.tools.loadClusters();
    if (name === "learned") this.tools.loadLearned();
  }

  async loadList() {
    const params = new URLSearchParams();
    for (const [key, sel] of [["category", "#f-cat"], ["status", "#f-status"], ["q", "#f-q"]]) {
      if ($(sel).value) params.set(key, $(sel).value);
    }
    const res = await this.api.call("GET", `/api/faq?${params}`);
    if (!res.ok) return;
    this.renderCategories(res.data.categories);
    $("#list-count").textContent = t("count", { n: res.data.total });
    const body = $("#entries tbody");
    body.replaceChildren(...res.data.entries.map((e) => this.row(e)));
  }

  renderCategories(categories) {
    const sel = $("#f-cat");
    const keep = sel.value;
    sel.replaceChildren(el("option", { value: "", text: t("all") }), ...categories.map((c) => el("option", { value: c, text: c })));
    sel.value = keep;
    $("#categories").replaceChildren(...categories.map((c) => el("option", { value: c })));
  }

  row(entry) {
    const state = entry.deleted ? "deleted" : entry.status;
    const open = el("button", { type: "button", class: "btn btn-secondary", text: t("edit"), "data-id": entry.id });
    open.addEventListener("click", () => this.openById(entry.id));
    const tr = el("tr", { "data-id": entry.id },
      el("td", { text: entry.question }), el("td", { text: entry.category }),
      el("td", {}, el("span", { class: `badge badge-${state}`, text: t(`status_${state}`) })),
      el("td", { text: (entry.updated_at || "").replace("T", " ").replace("Z", "") }), el("td", {}, open));
    if (this.current && this.current.id === entry.id) tr.classList.add("current");
    return tr;
  }

  async openById(id) {
    const res = await this.api.call("GET", `/api/faq/${encodeURIComponent(id)}`);
    if (res.ok) this.open(res.data.entry);
  }

  open(entry, prefill = {}, fromUnanswered = []) {
    this.current = entry;
    this.fromUnanswered = fromUnanswered;
    this.showTab("list");
    const src = entry || { status: "draft", ...prefill };
    $("#editor").hidden = false;
    $("#form-title").textContent = entry ? t("form_edit", { id: entry.id, rev: entry.rev }) : t("form_new");
    $("#row-id").hidden = Boolean(entry);
    $("#e-id").value = "";
    for (const f of FIELDS) {
      const v = src[f] ?? "";
      $(`#e-${f}`).value = LISTS.has(f) ? (v || []).join("\n") : v;
    }
    this.clearErrors();
    $("#conflict").hidden = true;
    $("#dupes").hidden = true;
    this.setButtons();
    this.loadHistory();
    for (const tr of document.querySelectorAll("#entries tr")) tr.classList.toggle("current", Boolean(entry) && tr.dataset.id === entry.id);
  }

  setButtons() {
    const e = this.current;
    const w = this.canWrite;
    $("#save").hidden = !w || Boolean(e && e.deleted);
    $("#publish").hidden = !w || !e || e.deleted || e.status === "published";
    $("#unpublish").hidden = !w || !e || e.deleted || e.status !== "published";
    $("#delete").hidden = !w || !e || e.deleted;
    $("#restore").hidden = !w || !e || !e.deleted;
  }

  clearErrors() {
    for (const node of document.querySelectorAll("#entry-form .error")) node.textContent = "";
  }

  formData() {
    const data = {};
    for (const f of FIELDS) data[f] = LISTS.has(f) ? lines($(`#e-${f}`).value) : $(`#e-${f}`).value.trim();
    return data;
  }

  async save(ev) {
    ev.preventDefault();
    this.clearErrors();
    const data = this.formData();
    let res;
    if (this.current) {
      res = await this.api.call("PUT", `/api/faq/${encodeURIComponent(this.current.id)}`, { ...data, rev: this.current.rev });
    } else {
      if ($("#e-id").value.trim()) data.id = $("#e-id").value.trim();
      if (this.fromUnanswered.length) data.from_unanswered = this.fromUnanswered;
      res = await this.api.call("POST", "/api/faq", data);
    }
    await this.afterWrite(res, t("saved"));
    if (res.ok) this.showDupes(res.data.near_duplicates || []);
  }

  async afterWrite(res, message) {
    if (res.status === 422 && res.data && res.data.errors) {
      for (const err of res.data.errors) {
        const slot = $(`#err-${err.field}`);
        if (slot) slot.textContent = err.message_ar;
      }
      this.flash(t("fix_errors"));
      return;
    }
    if (res.status === 409 && res.data && res.data.current) {
      this.open(res.data.current);
      $("#conflict").textContent = t("conflict");
      $("#conflict").hidden = false;
      return;
    }
    if (!res.ok) {
      this.flash(t("error_generic", { status: res.status }));
      return;
    }
    this.flash(message);
    this.open(res.data.entry);
    await this.loadList();
  }

  showDupes(dupes) {
    const box = $("#dupes");
    box.hidden = dupes.length === 0;
    box.querySelector("ul").replaceChildren(...dupes.map((d) => {
      const open = el("button", { type: "button", class: "btn btn-secondary", text: t("open") });
      open.addEventListener("click", () => this.openById(d.id));
      return el("li", { "data-id": d.id }, `${d.question} (${d.id}, ${d.score}) `, open);
    }));
  }

  async lifecycle(op) {
    const e = this.current;
    const path = `/api/faq/${encodeURIComponent(e.id)}`;
    const calls = {
      publish: ["POST", `${path}/publish`, t("published_msg")],
      unpublish: ["POST", `${path}/unpublish`, t("unpublished_msg")],
      delete: ["DELETE", `${path}?rev=${e.rev}`, t("deleted_msg")],
      restore: ["POST", `${path}/restore`, t("restored_msg")],
    };
    const [method, url, message] = calls[op];
    const res = await this.api.call(method, url, method === "POST" ? { rev: e.rev } : undefined);
    await this.afterWrite(res, message);
  }

  async loadHistory() {
    const list = $("#history");
    list.replaceChildren();
    if (!this.current || !this.canWrite) return;
    const res = await this.api.call("GET", `/api/faq/${encodeURIComponent(this.current.id)}/history`);
    if (!res.ok) return;
    if (!res.data.history.length) list.append(el("li", { text: t("history_empty") }));
    for (const h of res.data.history) list.append(this.historyItem(h));
  }

  historyItem(h) {
    const show = (v) => (Array.isArray(v) ? v.join("\n") : v === undefined || v === null ? "" : String(v));
    const diff = el("div", { class: "diff" });
    for (const f of h.fields || []) {
      const label = typeof T[`f_${f}`] === "string" ? t(`f_${f}`).replace(/ \(.*\)$/, "") : f;
      diff.append(el("strong", { text: label }), el("span", { class: "old", text: show(h.before && h.before[f]) }),
        el("span", { class: "new", text: show(h.after && h.after[f]) }));
    }
    return el("li", { "data-action": h.action }, el("p", { text: `${t(`action_${h.action}`)} — ${t("by", { who: h.actor, at: h.at })}` }), diff);
  }

  async start() {
    T = await (await fetch("/editor/editor-strings.json")).json();
    for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
    $("#login-form").addEventListener("submit", (ev) => this.login(ev));
    $("#logout").addEventListener("click", async () => { await this.api.call("POST", "/api/logout"); this.showLogin(); });
    for (const b of document.querySelectorAll(".tab")) b.addEventListener("click", () => this.showTab(b.dataset.tab));
    $("#filters").addEventListener("submit", (ev) => { ev.preventDefault(); this.loadList(); });
    for (const sel of ["#f-cat", "#f-status"]) $(sel).addEventListener("change", () => this.loadList());
    $("#f-q").addEventListener("input", () => { clearTimeout(this.qTimer); this.qTimer = setTimeout(() => this.loadList(), 250); });
    $("#new-entry").addEventListener("click", () => this.open(null));
    $("#entry-form").addEventListener("submit", (ev) => this.save(ev));
    for (const op of ["publish", "unpublish", "delete", "restore"]) $(`#${op}`).addEventListener("click", () => this.lifecycle(op));
    $("#close-form").addEventListener("click", () => { this.current = null; $("#editor").hidden = true; });
    this.tools = setupTools(this);
    if (this.api.session) await this.enter();
    else this.showLogin();
    document.body.dataset.ready = "1";
  }
}

const app = new EditorApp();
app.start();
