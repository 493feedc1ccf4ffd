// Import: a dry run first (what each row would do, with the refused fields), then apply; overwriting
// published entries asks once more.
import { $, el, fieldName, t } from "./ui.js";

export function setupImport(app) {
  const state = { file: null, preview: null }; // the chosen file, and the dry run not yet applied
  $("#import-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    state.file = $("#import-file").files[0];
    runImport(app, state, true);
  });
  $("#import-apply").addEventListener("click", () => runImport(app, state, false));
  $("#import-skip").addEventListener("change", () => updateApply(state));
}

/** A file to one of the editor's imports (handoff/editor/upload.py): its format from its name; a dry run
 * unless told otherwise. `data` is the JSON reply, or null when there is none. */
export async function postFile(app, path, file, dryRun) {
  const fmt = file.name.split(".").pop().toLowerCase();
  const res = await fetch(`${path}?format=${encodeURIComponent(fmt)}&dry_run=${dryRun ? 1 : 0}`, {
    method: "POST", headers: app.api.headers({ "Content-Type": "application/octet-stream" }), body: file,
  });
  return { res, data: await res.json().catch(() => null) };
}

async function runImport(app, state, dryRun) {
  if (!state.file) return;
  const n = state.preview && state.preview.overwrites_published;
  if (!dryRun && n && !window.confirm(t("confirm_overwrite_published", { n }))) return;
  const { res, data } = await postFile(app, "/api/faq/import", state.file, dryRun);
  if (!res.ok || !data || !data.counts) {
    $("#import-counts").textContent = (data && data.message) || t("error_generic", { status: res.status });
    return;
  }
  state.preview = data.applied ? null : data;
  showReport(data);
  updateApply(state);
  if (data.applied) await app.loadList();
}

function showReport(data) {
  $("#import-counts").textContent = (data.applied ? `${t("import_applied")} ` : "") + t("import_counts", data.counts)
    + (data.overwrites_published && !data.applied ? ` — ${t("import_published", { n: data.overwrites_published })}` : "");
  $("#import-rows tbody").replaceChildren(...data.rows.map(importRow));
  $("#import-rows").hidden = false;
  $("#import-skip").checked = false;
  $("#import-skip-row").hidden = data.applied || data.counts.reject === 0;
  $("#import-skip-label").textContent = t("import_skip_rejected", { n: data.counts.reject });
}

function updateApply(state) {
  const c = state.preview && state.preview.counts;
  const blocked = !c || c.add + c.change === 0 || (c.reject > 0 && !$("#import-skip").checked);
  $("#import-apply").disabled = blocked;
}

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
