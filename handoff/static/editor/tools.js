// Editor page tools: "try a question" and export here; unanswered questions and learned suggestions in
// unanswered.js; import (dry-run preview, apply) in import.js.
import { setupImport } from "./import.js";
import { $, el, t } from "./ui.js";
import { setupUnanswered } from "./unanswered.js";

/** Wire the tools' tabs; returns the loaders the page calls when a tab opens. */
export function setupTools(app) {
  $("#try-form").addEventListener("submit", (ev) => tryQuestion(app.api, ev));
  setupExports(app);
  setupImport(app);
  return setupUnanswered(app);
}

async function tryQuestion(api, ev) {
  ev.preventDefault();
  const q = $("#try-q").value.trim();
  if (!q) return;
  const res = await api.send("GET", `/api/faq/search?q=${encodeURIComponent(q)}`);
  if (!res.ok) {
    $("#try-decision").textContent = t("error_generic", { status: res.status });
    return;
  }
  const d = res.data;
  $("#try-decision").textContent = t("decision", { decision: t(`decision_${d.decision}`) });
  $("#try-decision").dataset.decision = d.decision;
  $("#try-thresholds").textContent = t(`reasons_${d.thresholds.rule}`, d.thresholds);
  const offered = new Set(d.offered);
  $("#try-results tbody").replaceChildren(...d.candidates.map((c) => candidateRow(c, offered.has(c.id))));
  $("#try-results").hidden = false;
}

function candidateRow(c, offered) {
  const tr = el("tr", { "data-id": c.id }, el("td", { text: c.question }), el("td", { text: c.category }),
    el("td", { text: c.score.toFixed(3) }), el("td", { text: c.dense.toFixed(3) }), el("td", { text: c.lexical.toFixed(3) }));
  if (offered) tr.classList.add("current");
  return tr;
}

function setupExports(app) {
  for (const fmt of ["csv", "jsonl", "xlsx"]) {
    const b = el("button", { type: "button", class: "btn btn-secondary", text: t("export", { fmt: fmt.toUpperCase() }) });
    b.addEventListener("click", () => download(app, fmt));
    $("#exports").append(b);
  }
}

async function download(app, fmt) {
  const res = await fetch(`/api/faq/export?format=${fmt}`, { headers: app.api.headers() });
  if (!res.ok) return app.flash(t("error_generic", { status: res.status }));
  const url = URL.createObjectURL(await res.blob());
  const a = el("a", { href: url, download: `faq.${fmt}` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
