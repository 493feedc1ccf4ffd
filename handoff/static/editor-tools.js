// Editor page tools: "try a question", unanswered clusters, suggestions learned from use, import (dry-run
// preview, apply), export.
import { el, t } from "/editor/editor.js";

const $ = (sel) => document.querySelector(sel);

export function setupTools(app) {
  const api = app.api;

  async function tryQuestion(ev) {
    ev.preventDefault();
    const q = $("#try-q").value.trim();
    if (!q) return;
    const res = await api.call("GET", `/api/faq/search?q=${encodeURIComponent(q)}`);
    if (!res.ok) {
      $("#try-decision").textContent = t("error_generic", { status: res.status });
      return;
    }
    const d = res.data;
    $("#try-decision").textContent = t("decision", { decision: t(`decision_${d.decision}`) });
    $("#try-decision").dataset.decision = d.decision;
    $("#try-thresholds").textContent = t(`reasons_${d.thresholds.rule}`, d.thresholds);
    const offered = new Set(d.offered);
    $("#try-results tbody").replaceChildren(...d.candidates.map((c) => {
      const tr = el("tr", { "data-id": c.id }, el("td", { text: c.question }), el("td", { text: c.category }),
        el("td", { text: c.score.toFixed(3) }), el("td", { text: c.dense.toFixed(3) }), el("td", { text: c.lexical.toFixed(3) }));
      if (offered.has(c.id)) tr.classList.add("current");
      return tr;
    }));
    $("#try-results").hidden = false;
  }

  async function loadClusters() {
    const res = await api.call("GET", "/api/unanswered/clusters");
    if (!res.ok) return;
    const list = $("#clusters");
    list.replaceChildren(...res.data.clusters.map(cluster));
    $("#clusters-empty").hidden = res.data.clusters.length > 0;
  }

  function cluster(c) {
    const reasons = Object.entries(c.reasons).map(([r, n]) => `${t(`reason_${r}`)}: ${n}`).join("، ");
    const make = el("button", { type: "button", class: "btn", text: t("make_faq") });
    make.addEventListener("click", () => app.open(null, c.draft, c.record_ids));
    const dismiss = el("button", { type: "button", class: "btn btn-secondary", text: t("dismiss") });
    dismiss.addEventListener("click", async () => {
      await api.call("POST", "/api/unanswered/dismiss", { record_ids: c.record_ids });
      await loadClusters();
    });
    const actions = el("div", { class: "actions" }, make, dismiss);
    if (c.conversation_ids.length) {
      const reply = el("button", { type: "button", class: "btn btn-secondary", text: t("agent_reply") });
      reply.addEventListener("click", () => fromConversation(c.conversation_ids));
      actions.append(reply);
    }
    return el("li", { "data-cluster": c.id },
      el("h3", { text: `${c.question} — ${t("cluster_count", { n: c.count })}` }),
      el("p", { class: "muted", text: reasons }),
      el("ul", {}, ...c.examples.map((x) => el("li", { text: x }))), actions);
  }

  async function fromConversation(ids) {
    for (const cid of ids) { // the first conversation an agent answered gives the draft
      const res = await api.call("POST", "/api/faq/from-conversation", { conversation_id: cid });
      if (res.ok) {
        app.open(res.data.entry);
        return;
      }
    }
    app.flash(t("error_generic", { status: 404 }));
  }

  async function loadLearned() {
    const res = await api.call("GET", "/api/learn/suggestions");
    if (!res.ok) return;
    $("#learned").replaceChildren(...res.data.suggestions.map(suggestion));
    $("#learned-empty").hidden = res.data.suggestions.length > 0;
  }

  function suggestion(s) {
    const accept = el("button", { type: "button", class: "btn", text: t("learned_accept") });
    accept.addEventListener("click", async () => {
      const res = await api.call("POST", `/api/learn/suggestions/${s.key}/accept`, { entry_id: s.entry_id, text: s.text });
      app.flash(res.ok ? t("learned_added") : t("error_generic", { status: res.status }));
      await loadLearned();
    });
    const dismiss = el("button", { type: "button", class: "btn btn-secondary", text: t("dismiss") });
    dismiss.addEventListener("click", async () => {
      await api.call("POST", `/api/learn/suggestions/${s.key}/dismiss`);
      await loadLearned();
    });
    const agents = s.agents.length ? s.agents.join("، ") : t("none");
    return el("li", { "data-key": s.key, "data-entry": s.entry_id },
      el("h3", { dir: "auto", text: s.text }),
      el("p", { class: "muted", text: t("learned_for", { question: s.entry_question }) }),
      el("p", { class: "muted", text: t("learned_evidence", { citizens: s.citizens, agents }) }),
      el("div", { class: "actions" }, accept, dismiss));
  }

  let file = null;
  let preview = null;
  async function runImport(dryRun) {
    if (!file) return;
    if (!dryRun && preview && preview.overwrites_published
        && !window.confirm(t("confirm_overwrite_published", { n: preview.overwrites_published }))) return;
    const fmt = file.name.split(".").pop().toLowerCase();
    const res = await fetch(`/api/faq/import?format=${encodeURIComponent(fmt)}&dry_run=${dryRun ? 1 : 0}`, {
      method: "POST", headers: api.headers({ "Content-Type": "application/octet-stream" }), body: file,
    });
    const data = await res.json().catch(() => null);
    if (!res.ok || !data || !data.counts) {
      $("#import-counts").textContent = (data && data.message) || t("error_generic", { status: res.status });
      return;
    }
    preview = data.applied ? null : data;
    $("#import-counts").textContent = (data.applied ? `${t("import_applied")} ` : "") + t("import_counts", data.counts)
      + (data.overwrites_published && !data.applied ? ` — ${t("import_published", { n: data.overwrites_published })}` : "");
    $("#import-rows tbody").replaceChildren(...data.rows.map(importRow));
    $("#import-rows").hidden = false;
    $("#import-skip").checked = false;
    $("#import-skip-row").hidden = data.applied || data.counts.reject === 0;
    $("#import-skip-label").textContent = t("import_skip_rejected", { n: data.counts.reject });
    updateApply();
    if (data.applied) await app.loadList();
  }

  function updateApply() {
    const c = preview && preview.counts;
    const blocked = !c || c.add + c.change === 0 || (c.reject > 0 && !$("#import-skip").checked);
    $("#import-apply").disabled = blocked;
  }

  const fieldName = (f) => (t(`f_${f}`) === `f_${f}` ? f : t(`f_${f}`).replace(/ \(.*\)$/, ""));
  const shown = (v) => (Array.isArray(v) ? v.join(" | ") : v === "published" || v === "draft" ? t(`status_${v}`) : String(v ?? ""));

  function importDetails(r) {
    if (r.errors.length) {
      return r.errors.map((e) => el("p", { class: "error" }, el("strong", { text: `${fieldName(e.field)}: ` }), e.message_ar));
    }
    if (r.action === "change") {
      return r.fields.map((f) => el("p", { class: "change", "data-field": f }, el("strong", { text: `${fieldName(f)}: ` }),
        el("del", { dir: "auto", text: shown(r.changes[f].before) }), " ← ", el("ins", { dir: "auto", text: shown(r.changes[f].after) })));
    }
    return [r.fields.map(fieldName).join("، ")];
  }

  function importRow(r) {
    const act = el("td", { class: `act-${r.action}`, text: t(`act_${r.action}`) });
    if (r.published) act.append(el("span", { class: "badge badge-published", text: t("status_published") }));
    return el("tr", { "data-action": r.action },
      el("td", { text: String(r.row) }), el("td", { dir: "ltr", text: r.id || "—" }), act,
      el("td", { class: "import-details" }, ...importDetails(r)));
  }

  async function download(fmt) {
    const res = await fetch(`/api/faq/export?format=${fmt}`, { headers: api.headers() });
    if (!res.ok) return app.flash(t("error_generic", { status: res.status }));
    const url = URL.createObjectURL(await res.blob());
    const a = el("a", { href: url, download: `faq.${fmt}` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  $("#try-form").addEventListener("submit", tryQuestion);
  $("#refresh-clusters").addEventListener("click", loadClusters);
  $("#refresh-learned").addEventListener("click", loadLearned);
  $("#import-form").addEventListener("submit", (ev) => { ev.preventDefault(); file = $("#import-file").files[0]; runImport(true); });
  $("#import-apply").addEventListener("click", () => runImport(false));
  $("#import-skip").addEventListener("change", updateApply);
  for (const fmt of ["csv", "jsonl", "xlsx"]) {
    const b = el("button", { type: "button", class: "btn btn-secondary", text: t("export", { fmt: fmt.toUpperCase() }) });
    b.addEventListener("click", () => download(fmt));
    $("#exports").append(b);
  }
  return { loadClusters, loadLearned };
}
