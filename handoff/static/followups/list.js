// The follow-up list of the agent console (#14 item 4, docs/followups.md): dissatisfied citizens to call
// within 24 h, ordered by time left, overdue ones marked. The number is shown in full only to the task's
// handler (take it first); recording a call sends the version the agent saw, so two agents recording the
// same task cannot both win (the loser is told and the list reloads).
import { el } from "../js/safe.js";

const RESULTS = ["reached", "not_reached", "resolved", "escalated"];
const REFRESH_MS = 30_000;

function clock(seconds) {
  const s = Math.abs(Math.round(seconds));
  const hh = String(Math.floor(s / 3600)).padStart(2, "0");
  return `${hh}:${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

export class FollowupList {
  constructor(app, root) {
    this.app = app;
    this.t = app.t;
    this.root = root;
    this.list = root.querySelector("ul");
    this.empty = root.querySelector(".empty");
    this.note = root.querySelector(".note");
    this.items = [];
    this.skew = 0; // server clock - local clock, so countdowns follow the gateway's time
    this.fmt = null;
  }

  /** Due dates in Hijri (Umm al-Qura) and Gregorian, in the service's time zone, Latin digits throughout. */
  formats(timeZone) {
    const cal = (c) => new Intl.DateTimeFormat(`${this.app.lang === "en" ? "en-GB" : "ar-SA"}-u-ca-${c}-nu-latn`,
      { dateStyle: "medium", timeStyle: "short", timeZone });
    return { hijri: cal("islamic-umalqura"), greg: cal("gregory") };
  }

  async start() {
    const { reasons } = await this.app.api.call("GET", "/api/followups/reasons");
    this.reasons = reasons;
    await this.refresh();
    setInterval(() => this.refresh().catch(() => {}), REFRESH_MS);
    setInterval(() => this.tick(), 1000);
  }

  async refresh() {
    const data = await this.app.api.call("GET", "/api/followups");
    this.skew = data.now * 1000 - Date.now();
    this.fmt ??= this.formats(data.timezone);
    this.items = data.items; // the gateway sends them by due time, overdue first
    this.render();
  }

  render() {
    this.list.replaceChildren(...this.items.map((task) => this.item(task)));
    this.empty.hidden = this.items.length > 0;
    this.tick();
  }

  tick() {
    const now = (Date.now() + this.skew) / 1000;
    for (const li of this.list.children) {
      const left = Number(li.dataset.due) - now;
      li.classList.toggle("overdue", left < 0);
      const out = li.querySelector(".countdown");
      out.textContent = this.t(left < 0 ? "console.followup_overdue" : "console.followup_left", { time: clock(left) });
    }
  }

  when(seconds) {
    const d = new Date(seconds * 1000);
    return `${this.fmt.hijri.format(d)} · ${this.fmt.greg.format(d)}`;
  }

  item(task) {
    const mine = task.handler && task.handler === this.app.me.username;
    const number = task.mobile
      ? el("a", { href: `tel:${task.mobile}`, dir: "ltr" }, task.mobile)
      : task.has_number ? el("bdi", { dir: "ltr" }, task.mobile_masked) : this.t("console.followup_no_number");
    const take = mine ? null : el("button", { class: "btn btn-secondary", type: "button",
      onclick: () => this.act(() => this.app.api.call("POST", `/api/followups/${task.task_id}/take`)) },
    this.t("console.followup_take"));
    const li = el("li", { class: "item followup-item", dataset: { task: task.task_id, due: String(task.due_at) } },
      el("div", { class: "row" }, el("strong", {}, this.t(`console.followup_trigger_${task.trigger}`)),
        el("span", { class: "countdown", role: "timer" })),
      el("p", { class: "due" }, this.t("console.followup_due"), " ", el("bdi", {}, this.when(task.due_at))),
      el("p", {}, this.t("console.followup_number"), " ", number),
      el("p", { class: "muted" }, this.t("console.followup_attempts", { count: task.attempts }),
        task.handler ? ` · ${this.t("console.followup_handler")} ` : "", task.handler ? el("bdi", {}, task.handler) : ""),
      take, this.recordForm(task));
    return li;
  }

  recordForm(task) {
    const id = `fu-${task.task_id}`;
    const select = (name, options) => el("select", { id: `${id}-${name}`, name },
      options.map(([value, label]) => el("option", { value }, label)));
    const result = select("result", RESULTS.map((r) => [r, this.t(`console.followup_result_${r}`)]));
    const reason = select("reason", this.reasons.map((r) => [r.id, r[this.app.lang] || r.ar]));
    const form = el("form", { class: "record" },
      el("label", { for: result.id }, this.t("console.followup_result")), result,
      el("label", { for: reason.id }, this.t("console.followup_reason")), reason,
      el("button", { class: "btn", type: "submit" }, this.t("console.followup_record")));
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      this.act(() => this.app.api.call("POST", `/api/followups/${task.task_id}/calls`,
        { result: result.value, reason: reason.value, version: task.version }), "console.followup_recorded");
    });
    return form;
  }

  /** Run one change; a refusal (someone else got there first) is said plainly, and the list reloads. */
  async act(change, doneKey = null) {
    this.note.textContent = "";
    try {
      await change();
      if (doneKey) this.note.textContent = this.t(doneKey);
    } catch (err) {
      const known = ["stale", "taken", "task_closed", "unknown_task"].includes(err.code);
      this.note.textContent = this.t(known ? `console.followup_err_${err.code}` : "console.followup_err_other");
    }
    await this.refresh().catch(() => {});
  }
}
