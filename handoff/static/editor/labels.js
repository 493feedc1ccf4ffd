// Questions labelled elsewhere (a call centre's log, a pilot week): a dry run first (how many answered by an
// entry, how many not covered, which rows are refused and why), then the import; the suggestions list and
// the threshold proposal then read them like citizens' picks.
import { postFile } from "./import.js";
import { $, el, fieldName, t } from "./ui.js";

export function setupLabels(app, reload) {
  const state = { file: null };
  $("#labels-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    state.file = $("#labels-file").files[0];
    send(app, state, true, reload);
  });
  $("#labels-apply").addEventListener("click", () => send(app, state, false, reload));
}

async function send(app, state, dryRun, reload) {
  if (!state.file) return;
  $("#labels-apply").disabled = true;
  const { res, data } = await postFile(app, "/api/learn/import", state.file, dryRun);
  if (!res.ok || !data || !data.counts) {
    $("#labels-counts").textContent = (data && data.message) || t("error_generic", { status: res.status });
    $("#labels-rejected").replaceChildren();
    return;
  }
  $("#labels-counts").textContent = (data.applied ? `${t("labels_recorded", { n: data.recorded })} ` : "")
    + t("labels_counts", data.counts);
  $("#labels-rejected").replaceChildren(...data.rejected.map((r) => el("li", { "data-row": String(r.row),
    text: t("labels_row", { row: r.row, message: r.errors.map((e) => `${fieldName(e.field)}: ${e.message_ar}`).join("، ") }) })));
  $("#labels-apply").disabled = data.applied || data.counts.inside + data.counts.outside === 0;
  if (data.applied) {
    state.file = null;
    await reload();
  }
}
