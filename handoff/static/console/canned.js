// Saved replies (/api/canned): the agent's own and the team's, inserted into the reply box like FAQ answers.
// Agents add, edit and delete their own; supervisors also the team's.
import { el, plainText } from "../js/safe.js";

const $ = (id) => document.getElementById(id);

export class CannedPanel {
  constructor(app) {
    this.app = app;
    this.replies = { personal: [], team: [] };
    this.editing = null;
    $("canned-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      this.save();
    });
    $("canned-cancel").addEventListener("click", () => {
      this.#resetForm();
      this.#showForm(false);
    });
    $("canned-add").addEventListener("click", () => this.#showForm($("canned-form").hidden));
  }

  get t() {
    return this.app.t;
  }

  get supervisor() {
    return this.app.me?.role === "supervisor";
  }

  async load() {
    $("canned-scope-field").hidden = !this.supervisor;
    try {
      this.replies = await this.app.api.canned();
    } catch {
      this.replies = { personal: [], team: [] };
    }
    this.render();
  }

  render() {
    const all = [...this.replies.personal, ...this.replies.team];
    $("canned-list").replaceChildren(...all.map((r) => this.#item(r)));
    $("canned-empty").hidden = all.length > 0;
  }

  #item(reply) {
    const t = this.t;
    const editable = reply.scope === "personal" || this.supervisor;
    const tag = el("span", { class: "tag" }, t(`console.canned_${reply.scope}`));
    const actions = el("div", { class: "row" },
      el("button", { class: "btn btn-secondary", type: "button", onclick: () => this.app.faq.insert(reply.text) },
        t("console.insert")),
      editable ? el("button", { class: "btn btn-secondary", type: "button", onclick: () => this.#edit(reply),
        "aria-label": t("console.canned_edit_named", { title: reply.title }) }, t("console.edit")) : null,
      editable ? el("button", { class: "btn btn-secondary", type: "button", onclick: () => this.remove(reply),
        "aria-label": t("console.canned_delete_named", { title: reply.title }) }, t("console.delete")) : null);
    return el("li", { class: "faq-item canned-item", dataset: { id: reply.id } },
      el("h3", { dir: "auto" }, plainText(reply.title), " ", tag),
      el("p", { class: "answer", dir: "auto" }, plainText(reply.text)), actions);
  }

  #showForm(show) {
    $("canned-form").hidden = !show;
    $("canned-add").setAttribute("aria-expanded", String(show));
    if (show) $("canned-title").focus();
  }

  #edit(reply) {
    this.editing = reply;
    this.#showForm(true);
    $("canned-title").value = reply.title;
    $("canned-text").value = reply.text;
    $("canned-scope").value = reply.scope;
    $("canned-scope").disabled = true;
    $("canned-title").focus();
  }

  #resetForm() {
    this.editing = null;
    $("canned-form").reset();
    $("canned-scope").disabled = false;
    $("canned-error").textContent = "";
  }

  async save() {
    const body = { title: $("canned-title").value.trim(), text: $("canned-text").value.trim() };
    try {
      if (this.editing) await this.app.api.updateCanned(this.editing.id, body);
      else await this.app.api.createCanned({ ...body, scope: this.supervisor ? $("canned-scope").value : "personal" });
    } catch (err) {
      $("canned-error").textContent = this.t("console.error", { code: err.code || err.status });
      return;
    }
    this.#resetForm();
    this.#showForm(false);
    await this.load();
  }

  async remove(reply) {
    try {
      await this.app.api.deleteCanned(reply.id);
    } catch (err) {
      $("canned-error").textContent = this.t("console.error", { code: err.code || err.status });
      return;
    }
    await this.load();
  }
}
