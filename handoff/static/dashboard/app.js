// The supervisors' dashboard: login, filters, KPI cards against the previous period, charts, the
// call-back list with live countdowns, complaint reasons with masked examples, XLSX/PDF export.
// Every figure comes from /api/dashboard/report; user-visible text from strings.json and the report
// labels (/api/dashboard/labels); data is rendered with textContent only.
import * as charts from "/static/dashboard/charts.js";
import * as fmt from "/static/dashboard/format.js";
import { translator } from "/static/js/i18n.js";
import { el as safeEl } from "/static/js/safe.js";
import { StaffSession } from "/static/js/staff.js";

const TOKEN_KEY = "faq-dashboard-session";
const KPI_CARDS = ["conversations", "self_service_rate", "handoff_rate", "handoff_answer_rate", "abandonment_rate",
  "wait_p50_s", "wait_p90_s", "handle_p50_s", "csat_agent", "csat_bot", "thumbs_up_rate", "not_found_rate",
  "unanswered_count", "callbacks_created", "callback_sla_rate"];
const $ = (sel) => document.querySelector(sel);
let L = {};
let t = (key) => key; // replaced by the strings.json translator in start()
const label = (group, key) => (key == null || key === "" || key === "unknown" ? L.unknown : (L[group] || {})[key] || key);

// The shared builder (text as text nodes, never HTML); `text` is this page's shorthand for a first child.
const el = (tag, { text, ...attrs } = {}, ...children) => safeEl(tag, attrs, text, ...children);

class Dashboard {
  constructor() {
    this.staff = new StaffSession(TOKEN_KEY);
    this.api = this.staff.api;
    this.options = { branch: new Set(), service: new Set(), language: new Set(), agent: new Set() };
    this.callbacks = [];
    this.clockSkew = 0;
  }

  async call(path) {
    // Raw response: the export is a file (blob), not JSON.
    const res = await fetch(path, { headers: this.api.headers() });
    if (res.status === 401) this.showLogin();
    return res;
  }

  get session() {
    return this.staff.user; // {token, role, name} or null
  }

  showLogin() {
    this.staff.forget();
    $("#app-view").hidden = true;
    $("#login-view").hidden = false;
  }

  async login(ev) {
    ev.preventDefault();
    const res = await this.staff.login($("#login-user").value, $("#login-pass").value);
    const data = res.ok ? res.data : null;
    if (!data || !["supervisor", "agent"].includes(data.role)) {
      $("#login-error").textContent = t(data ? "forbidden" : "login_failed");
      return;
    }
    this.staff.keep(data);
    $("#login-error").textContent = "";
    await this.enter();
  }

  async enter() {
    $("#login-view").hidden = true;
    $("#app-view").hidden = false;
    $("#me").textContent = this.session.name || "";
    const agent = this.session.role === "agent";
    $("#own-only").hidden = !agent;
    for (const node of document.querySelectorAll(".supervisor-only")) node.hidden = agent;
    const today = new Date();
    $("#f-to").value = fmt.isoDay(today);
    $("#f-from").value = fmt.isoDay(new Date(today.getTime() - 29 * 86400e3));
    await this.fillQuarters();
    await this.load();
  }

  async fillQuarters() {
    const res = await this.call("/api/dashboard/periods");
    if (!res.ok) return;
    const { quarters } = await res.json();
    const groups = ["gregorian", "hijri"].map((kind) => el("optgroup", { label: t(`${kind}_quarters`) },
      ...quarters.filter((q) => q.kind === kind).map((q) => {
        const [year, n] = q.id.split("-Q");
        return el("option", { value: `${kind}:${q.id}`, "data-from": q.from, "data-to": q.to,
          text: t(`quarter_name_${kind}`, { q: n, year }) });
      })));
    $("#f-quarter").replaceChildren(el("option", { value: "", text: t("custom_range") }), ...groups);
  }

  pickQuarter() {
    const opt = $("#f-quarter").selectedOptions[0];
    if (opt && opt.value) {
      $("#f-from").value = opt.dataset.from;
      $("#f-to").value = opt.dataset.to;
    }
  }

  query() {
    const q = new URLSearchParams({ from: $("#f-from").value, to: $("#f-to").value });
    const [kind, id] = $("#f-quarter").value.split(":");
    if (id) q.set(kind === "hijri" ? "hijri_quarter" : "quarter", id);  // the CLI's own period, same labels
    for (const sel of document.querySelectorAll("select[data-filter]")) if (sel.value) q.set(sel.dataset.filter, sel.value);
    return q;
  }

  async load() {
    $("#status").textContent = t("loading");
    const res = await this.call(`/api/dashboard/report?${this.query()}`);
    const data = await res.json().catch(() => ({}));
    if (!res.ok) {
      $("#status").textContent = t("error", { message: data.message || res.status });
      return;
    }
    this.clockSkew = Date.parse(data.now) - Date.now();
    this.render(data);
    $("#status").textContent = t("loaded");
  }

  render(data) {
    const r = data.report;
    document.body.dataset.demo = String(Boolean(data.demo));
    $("#demo-banner").hidden = !data.demo;
    // "to" is the last day (a date) in the report; an exclusive midnight when given as a datetime.
    const to = r.period.to.length === 10 ? fmt.dayDate(r.period.to) : new Date(Date.parse(r.period.to) - 1);
    const from = fmt.dayDate(r.period.from.slice(0, 10));
    $("#period").textContent = t("period", { hijri: `${fmt.hijri(from)} – ${fmt.hijri(to)}`,
      gregorian: `${fmt.gregorian(from)} – ${fmt.gregorian(to)}` });
    this.renderKpis(r);
    this.fillOptions(r);
    const days = r.series.day || [];
    charts.trend(days, { conversations: t("conversations"), self_service: t("self_service") });
    charts.bars("chart-branches", (r.breakdowns.branch || []).map((b) => ({ label: label("x", b.key), value: b.conversations })), t("conversations"));
    charts.bars("chart-reasons", Object.entries(r.handoff_by_reason || {}).map(([k, v]) => ({ label: label("handoff_reasons", k), value: v })), t("handoff_reasons"));
    this.renderComplaints(r.complaints);
    this.renderBranchTable(r.breakdowns.branch || []);
    this.callbacks = data.callbacks || [];
    const cb = r.callbacks;
    $("#cb-summary").textContent = t("cb_summary", { due: cb.due ?? 0, within: cb.within_sla ?? 0, overdue: cb.overdue_open ?? 0,
      rate: fmt.value("callback_sla_rate", r.kpis.callback_sla_rate, t) });
    this.renderCallbacks();
  }

  renderKpis(r) {
    const list = $("#kpis");
    list.replaceChildren();
    for (const key of KPI_CARDS) {
      const c = fmt.change(key, r.kpis[key], (r.previous || {})[key], L.percent_points);
      list.append(el("li", { class: "kpi", "data-kpi": key },
        el("span", { class: "kpi-label", text: label("kpis", key) }),
        el("span", { class: "kpi-value", text: fmt.value(key, r.kpis[key], t) }),
        el("span", { class: `kpi-change ${c.tone}`, text: t("vs_previous", { change: c.text }) })));
    }
  }

  fillOptions(r) {
    for (const [name, set] of Object.entries(this.options)) {
      for (const row of r.breakdowns[name] || []) if (row.key) set.add(row.key);
      const sel = document.querySelector(`select[data-filter="${name}"]`);
      const current = sel.value;
      const group = { language: "languages" }[name] || name;
      sel.replaceChildren(el("option", { value: "", text: t("all") }),
        ...[...set].sort().map((k) => el("option", { value: k, text: label(group, k) })));
      sel.value = current;
    }
  }

  renderComplaints(c) {
    const list = $("#complaints");
    list.replaceChildren();
    const rows = (c.by_reason || []).slice().sort((a, b) => b.count - a.count);
    if (!rows.length) list.append(el("li", { class: "muted", text: t("complaints_none") }));
    for (const row of rows) {
      const examples = el("ul", { class: "examples" }, ...(row.examples || []).slice(0, 3).map((x) => el("li", { text: x })));
      list.append(el("li", { "data-reason": row.reason },
        el("span", { class: "reason", text: row.label || label("reasons", row.reason) }),
        el("span", { class: "count", text: t("complaint_count", { count: row.count }) }), examples));
    }
  }

  renderBranchTable(rows) {
    const cols = ["conversations", "self_service_rate", "handoff_answer_rate", "abandonment_rate", "csat_agent", "csat_bot"];
    const head = el("tr", {}, el("th", { scope: "col", text: t("branch") }), ...cols.map((c) => el("th", { scope: "col", text: label("kpis", c) })));
    const body = rows.map((b) => el("tr", {}, el("th", { scope: "row", text: label("x", b.key) }),
      ...cols.map((c) => el("td", { class: "num", text: fmt.value(c, b[c], t) }))));
    $("#branch-table").replaceChildren(el("thead", {}, head), el("tbody", {}, ...body));
  }

  renderCallbacks() {
    const body = $("#callbacks tbody");
    if (!this.callbacks.length) {
      body.replaceChildren(el("tr", {}, el("td", { colspan: "4", class: "muted", text: t("cb_none") })));
      return;
    }
    body.replaceChildren(...this.callbacks.map((cb) => {
      const due = new Date(Date.parse(cb.due_at));
      return el("tr", { "data-task": cb.task_id, "data-due": String(due.getTime()) },
        el("td", { text: t("due_when", { hijri: fmt.hijri(due), gregorian: fmt.gregorian(due), time: fmt.clock(due) }) }),
        el("td", { class: "countdown" }),
        el("td", { text: t(`trigger_${cb.trigger}`) }),
        el("td", { text: t(cb.result === "not_reached" ? "cb_retry" : "cb_open") }));
    }));
    this.tick();
  }

  /** Every second: only the countdown cells change (the rows stay, so focus and reading position do too). */
  tick() {
    const now = Date.now() + this.clockSkew;
    for (const row of document.querySelectorAll("#callbacks tbody tr[data-due]")) {
      const left = (Number(row.dataset.due) - now) / 1000;
      row.classList.toggle("overdue", left < 0);
      row.querySelector(".countdown").textContent = t(left < 0 ? "cb_overdue" : "cb_remaining", { time: fmt.countdown(left, t) });
    }
  }

  async download(format) {
    $("#status").textContent = t("exporting");
    const res = await this.call(`/api/dashboard/export?format=${format}&${this.query()}`);
    if (!res.ok) {
      const data = await res.json().catch(() => ({}));
      $("#status").textContent = t("export_error", { message: data.message || res.status });
      return;
    }
    const name = /filename="([^"]+)"/.exec(res.headers.get("Content-Disposition") || "")?.[1] || `report.${format}`;
    const url = URL.createObjectURL(await res.blob());
    const a = el("a", { href: url, download: name });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    $("#status").textContent = "";
  }

  async start() {
    const [strings, labels] = await Promise.all([fetch("/static/dashboard/strings.json").then((r) => r.json()),
      fetch("/api/dashboard/labels").then((r) => r.json())]);
    t = translator(strings);
    L = labels;
    for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
    $("#login-form").addEventListener("submit", (ev) => this.login(ev));
    $("#logout").addEventListener("click", async () => {
      await this.api.send("POST", "/api/logout");
      this.showLogin();
    });
    $("#filters").addEventListener("submit", (ev) => { ev.preventDefault(); this.load(); });
    $("#f-quarter").addEventListener("change", () => this.pickQuarter());
    for (const id of ["#f-from", "#f-to"]) $(id).addEventListener("input", () => { $("#f-quarter").value = ""; });
    $("#export-xlsx").addEventListener("click", () => this.download("xlsx"));
    $("#export-pdf").addEventListener("click", () => this.download("pdf"));
    setInterval(() => this.tick(), 1000);
    if (this.session) await this.enter();
    else this.showLogin();
  }
}

const app = new Dashboard();
window.addEventListener("DOMContentLoaded", () => app.start());
