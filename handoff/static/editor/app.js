// FAQ editor page: login, list + filters, edit form (validation, 409, near-duplicates), history with diffs.
// Everything user-supplied is rendered as text nodes; strings come from strings.json beside this file.
import { StaffSession } from "../js/staff.js";
import { historyItem, localTime, setTimeZone } from "./history.js";
import { setupTools } from "./tools.js";
import { $, el, loadStrings, t } from "./ui.js";

const TOKEN_KEY = "faq-editor-session";
const WRITE_ROLES = new Set(["editor", "supervisor"]);
const FIELDS = ["category", "question", "alternatives", "answer", "links", "tags", "status",
  "question_en", "alternatives_en", "answer_en"];
const LISTS = new Set(["alternatives", "links", "tags", "alternatives_en"]);
const FILTERS = [["category", "#f-cat"], ["status", "#f-status"], ["translation", "#f-trans"], ["q", "#f-q"]];
const lines = (text) => text.split("\n").map((s) => s.trim()).filter(Boolean);

class EditorApp {
  constructor() {
    this.staff = new StaffSession(TOKEN_KEY, { onUnauthorized: () => this.showLogin() });
    this.api = this.staff.api;
    this.current = null; // the entry in the form (null: a new one)
    this.tab = "list";
    this.fromUnanswered = [];
  }

  flash(text) {
    $("#flash").textContent = text;
  }

  get session() {
    return this.staff.user; // {token, role, name} or null
  }

  get canWrite() {
    return Boolean(this.session && WRITE_ROLES.has(this.session.role));
  }

  showLogin() {
    this.staff.forget();
    $("#app-view").hidden = true;
    $("#login-view").hidden = false;
  }

  async login(ev) {
    ev.preventDefault();
    const res = await this.staff.login($("#login-user").value, $("#login-pass").value);
    if (!res.ok) {
      $("#login-error").textContent = t("login_failed");
      return;
    }
    this.staff.keep(res.data);
    $("#login-error").textContent = "";
    await this.enter();
  }

  async enter() {
    $("#login-view").hidden = true;
    $("#app-view").hidden = false;
    $("#me").textContent = this.session.name || "";
    $("#read-only").hidden = this.canWrite;
    for (const node of document.querySelectorAll(".write")) node.hidden = !this.canWrite;
    await this.loadList();
  }

  showTab(name) {
    if (name !== this.tab) this.flash(""); // a message about another tab's action would be read as about this one
    this.tab = name;
    for (const b of document.querySelectorAll(".tab")) b.setAttribute("aria-pressed", String(b.dataset.tab === name));
    for (const p of document.querySelectorAll(".panel")) p.hidden = p.id !== `panel-${name}`;
    if (name === "unanswered") this.tools.loadClusters();
    if (name === "learned") this.tools.loadLearned();
  }

  /** `reveal`: after a write, clear filters that would hide the entry just written. */
  async loadList(reveal = false) {
    const params = new URLSearchParams();
    for (const [key, sel] of FILTERS) {
      if ($(sel).value) params.set(key, $(sel).value);
    }
    const res = await this.api.send("GET", `/api/faq?${params}`);
    if (!res.ok) return;
    const shown = this.current && res.data.entries.some((e) => e.id === this.current.id);
    if (reveal && this.current && !this.current.deleted && !shown && params.toString()) {
      // The entry just saved or published would be hidden by the filters: clear them so it is in view.
      for (const [, sel] of FILTERS) $(sel).value = "";
      this.flash(`${$("#flash").textContent} ${t("filters_cleared")}`.trim());
      return this.loadList();
    }
    this.renderTranslations(res.data.translations);
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

  renderTranslations(counts) {
    if (!counts) return;
    const sel = $("#f-trans");
    for (const opt of sel.options) {
      if (opt.value) opt.textContent = `${t(`trans_${opt.value}`)} (${counts[opt.value] ?? 0})`;
    }
  }

  row(entry) {
    const state = entry.deleted ? "deleted" : entry.status;
    const label = this.canWrite ? t("edit") : t("view");
    const open = el("button", { type: "button", class: "btn btn-secondary", text: label, "data-id": entry.id });
    open.addEventListener("click", () => this.openById(entry.id));
    const trans = entry.translation || "missing";
    const tr = el("tr", { "data-id": entry.id },
      el("td", { dir: "auto", text: entry.question }), el("td", { text: entry.category }),
      el("td", {}, el("span", { class: `badge badge-${state}`, text: t(`status_${state}`) })),
      el("td", {}, el("span", { class: `badge trans-${trans}`, "data-translation": trans, text: t(`trans_${trans}`) })),
      el("td", {}, el("time", { datetime: entry.updated_at || "", text: localTime(entry.updated_at) })), el("td", {}, open));
    if (this.current && this.current.id === entry.id) tr.classList.add("current");
    return tr;
  }

  async openById(id) {
    const res = await this.api.send("GET", `/api/faq/${encodeURIComponent(id)}`);
    if (res.ok) this.open(res.data.entry);
  }

  open(entry, prefill = {}, fromUnanswered = []) {
    this.current = entry;
    this.fromUnanswered = fromUnanswered;
    this.showTab("list");
    const src = entry || { status: "draft", ...prefill };
    $("#editor").hidden = false;
    const title = this.canWrite ? "form_edit" : "form_view";
    $("#form-title").textContent = entry ? t(title, { id: entry.id, rev: entry.rev }) : t("form_new");
    const trans = entry ? entry.translation : "missing";
    $("#trans-state").textContent = t(`trans_note_${trans}`);
    $("#trans-state").dataset.translation = trans;
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
      res = await this.api.send("PUT", `/api/faq/${encodeURIComponent(this.current.id)}`, { ...data, rev: this.current.rev });
    } else {
      if ($("#e-id").value.trim()) data.id = $("#e-id").value.trim();
      if (this.fromUnanswered.length) data.from_unanswered = this.fromUnanswered;
      res = await this.api.send("POST", "/api/faq", data);
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
    await this.loadList(true);
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
    const res = await this.api.send(method, url, method === "POST" ? { rev: e.rev } : undefined);
    await this.afterWrite(res, message);
  }

  async loadHistory() {
    const list = $("#history");
    list.replaceChildren();
    if (!this.current || !this.canWrite) return;
    const res = await this.api.send("GET", `/api/faq/${encodeURIComponent(this.current.id)}/history`);
    if (!res.ok) return;
    if (!res.data.history.length) list.append(el("li", { text: t("history_empty") }));
    for (const h of res.data.history) list.append(historyItem(h));
  }

  async start() {
    await loadStrings();
    const hours = await fetch("/api/availability").then((r) => r.json()).catch(() => ({}));
    setTimeZone(hours.timezone);
    for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
    $("#login-form").addEventListener("submit", (ev) => this.login(ev));
    $("#logout").addEventListener("click", async () => { await this.api.send("POST", "/api/logout"); this.showLogin(); });
    for (const b of document.querySelectorAll(".tab")) b.addEventListener("click", () => this.showTab(b.dataset.tab));
    $("#filters").addEventListener("submit", (ev) => { ev.preventDefault(); this.loadList(); });
    for (const sel of ["#f-cat", "#f-status", "#f-trans"]) $(sel).addEventListener("change", () => this.loadList());
    $("#f-q").addEventListener("input", () => { clearTimeout(this.qTimer); this.qTimer = setTimeout(() => this.loadList(), 250); });
    $("#new-entry").addEventListener("click", () => this.open(null));
    $("#entry-form").addEventListener("submit", (ev) => this.save(ev));
    for (const op of ["publish", "unpublish", "delete", "restore"]) $(`#${op}`).addEventListener("click", () => this.lifecycle(op));
    $("#close-form").addEventListener("click", () => { this.current = null; $("#editor").hidden = true; });
    this.tools = setupTools(this);
    if (this.session) await this.enter();
    else this.showLogin();
    document.body.dataset.ready = "1";
  }
}

const app = new EditorApp();
app.start();
