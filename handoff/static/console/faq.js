// The end column: the handoff packet (reason, topic, summary, FAQ candidates with their answers) and
// FAQ search; "insert" puts an answer into the reply box for the agent to edit before sending.
import { el, plainText, richText } from "../js/safe.js";

const $ = (id) => document.getElementById(id);

export class FaqPanel {
  constructor(app) {
    this.app = app;
    this.answers = new Map();
    $("faq-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      this.search($("faq-q").value.trim());
    });
  }

  get t() {
    return this.app.t;
  }

  showPacket(packet) {
    const body = $("packet-body");
    if (!packet) {
      body.replaceChildren();
      return;
    }
    const t = this.t;
    const facts = el("dl", {},
      el("dt", {}, t("console.reason")), el("dd", {}, t(`console.reasons.${packet.reason}`)),
      el("dt", {}, t("console.topic")), el("dd", {}, packet.topic || t("console.no_topic")));
    const lines = packet.summary || [];
    const summary = lines.length ? [el("h3", {}, t("console.summary")), el("ul", {},
      lines.map((s) => el("li", { dir: "auto" }, plainText(s))))]
      : [];
    const cands = el("ul", { class: "cands" });
    const candTitle = (packet.candidates || []).length ? el("h3", {}, t("console.candidates")) : null;
    const outside = lines.length ? this.#notCovered() : null;
    body.replaceChildren(el("div", { class: "packet" }, facts, summary, outside, candTitle, cands));
    for (const c of packet.candidates || []) {
      const item = this.#item(c.id, c.question, null, c.score);
      cands.append(item.node);
      this.#fillAnswer(c.id, item);
    }
  }

  async #fillAnswer(id, item) {
    item.answer.textContent = this.t("console.loading");
    try {
      if (!this.answers.has(id)) this.answers.set(id, (await this.app.api.faqEntry(id)).answer);
      item.setAnswer(this.answers.get(id));
    } catch {
      item.answer.textContent = "";
    }
  }

  #item(id, question, answer, score) {
    const ans = el("p", { class: "answer", dir: "auto" });
    const insert = el("button", { class: "btn btn-secondary", type: "button", disabled: true },
      this.t("console.insert"));
    const node = el("li", { class: "faq-item" }, el("h3", {}, question),
      score == null ? null : el("p", { class: "muted" }, this.t("console.score", { score: Number(score).toFixed(2) })),
      ans, insert);
    const setAnswer = (text) => {
      ans.replaceChildren(richText(text));
      insert.disabled = false;
      insert.onclick = () => {
        this.insert(text);
        this.#learn(id);
      };
    };
    if (answer != null) setAnswer(answer);
    return { node, answer: ans, setAnswer };
  }

  // The citizen's question is one the FAQ does not cover: labelled evidence for the answer threshold
  // editors may set for this corpus (never applied without them).
  #notCovered() {
    const btn = el("button", { class: "btn btn-secondary", type: "button", id: "not-covered" },
      this.t("console.not_covered"));
    btn.onclick = async () => {
      const cid = this.app.chat && this.app.chat.selected;
      if (!cid) return;
      btn.disabled = true;
      try {
        const res = await this.app.api.learnAgentOutside(cid);
        btn.textContent = res.recorded ? this.t("console.not_covered_done") : this.t("console.not_covered");
        btn.disabled = !!res.recorded;
      } catch (err) {
        btn.disabled = false;
        btn.textContent = this.t("console.error", { code: err.code || err.status });
      }
    };
    return btn;
  }

  // The inserted FAQ answers the citizen's question: a suggested alternative for the editors
  // (never applied without them). Losing one is harmless, so errors are ignored.
  #learn(id) {
    const cid = this.app.chat && this.app.chat.selected;
    if (id && cid) this.app.api.learnAgentPick(cid, id).catch(() => {});
  }

  insert(text) {
    const box = $("reply");
    const start = box.selectionStart ?? box.value.length;
    box.value = box.value.slice(0, start) + text + box.value.slice(box.selectionEnd ?? start);
    box.focus();
  }

  clear() {
    $("faq-q").value = "";
    $("faq-results").replaceChildren();
  }

  async search(q) {
    const list = $("faq-results");
    if (!q) return list.replaceChildren();
    list.replaceChildren(el("li", { class: "muted" }, this.t("console.loading")));
    try {
      const res = await this.app.api.searchFaq(q);
      const items = (res.candidates || []).map((c) => this.#item(c.id, c.question, c.answer, c.score).node);
      list.replaceChildren(...(items.length ? items : [el("li", { class: "muted" }, this.t("console.faq_no_results"))]));
    } catch (err) {
      list.replaceChildren(el("li", { class: "error" }, this.t("console.error", { code: err.code || err.status })));
    }
  }
}
