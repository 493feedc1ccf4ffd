// The answer and scope thresholds learned from use: what the labelled questions support for this corpus,
// applied or reverted by an editor in one click (the server recomputes it on apply: never a stale proposal).
import { localTime } from "./history.js";
import { $, t } from "./ui.js";

const pct = (x) => (100 * x).toFixed(1);

export async function showThreshold(app) {
  const res = await app.api.send("GET", "/api/learn/threshold");
  if (!res.ok) return;
  const { proposal: p, applied, needs, applied_stale: stale, scope_stale: scopeStale, near_stale: nearStale } = res.data;
  const apply = $("#threshold-apply");
  const revert = $("#threshold-revert");
  let status;
  if (p.threshold == null) {
    status = t("threshold_wait", { n_in: p.n_in, n_ood: p.n_ood, min_in: needs.in_scope, min_ood: needs.out_of_scope });
  } else {
    status = t("threshold_proposal", {
      n_in: p.n_in, n_ood: p.n_ood, local: p.threshold.toFixed(3), shipped: p.shipped.toFixed(3),
      right_shipped: pct(p.right_at_shipped), right_local: pct(p.right_at_local), allowed: p.allowed_ood,
    });
    if (p.n_in < needs.scope_in_scope) {
      status += " " + t("threshold_scope_wait", { n_in: p.n_in, min_in: needs.scope_in_scope });
    } else if (p.scope_threshold != null) {
      status += " " + t("threshold_scope", { local: p.scope_threshold.toFixed(3), shipped: p.scope_shipped.toFixed(3),
        ood_told: pct(p.out_of_scope_told), in_told: pct(p.in_scope_told) });
    }
    if (p.near_threshold != null) {
      status += " " + t("threshold_near", { near: p.near_threshold.toFixed(2), margin: p.near_margin.toFixed(2),
        floor: (p.near_floor ?? 0).toFixed(2), right_near: pct(p.right_at_near) });
    }
    if (p.near_outside != null) {
      status += " " + t("threshold_near_outside", { margin: p.near_outside.toFixed(2),
        ood_told: pct(p.out_of_scope_told_near), in_told: pct(p.in_scope_told_near) });
    }
  }
  $("#threshold-status").textContent = status;
  apply.hidden = p.threshold == null;
  const shown = $("#threshold-applied");
  shown.hidden = !applied;
  const scoped = applied && applied.scope_threshold != null;
  shown.textContent = applied ? t(scoped ? "threshold_applied_scope" : "threshold_applied", {
    threshold: Number(applied.threshold).toFixed(3), scope: scoped ? Number(applied.scope_threshold).toFixed(3) : "",
    by: applied.by, at: localTime(applied.at) }) : "";
  if (applied && applied.neighbours) shown.textContent += " " + t("threshold_applied_near", applied.neighbours);
  revert.hidden = !applied;
  const warning = $("#threshold-stale");
  const warnings = [];
  if (stale) warnings.push(t("threshold_stale", { threshold: Number(applied.threshold).toFixed(3), local: p.threshold.toFixed(3) }));
  if (scopeStale) {
    warnings.push(t("threshold_scope_stale", { scope: Number(applied.scope_threshold).toFixed(3),
      local: p.scope_threshold.toFixed(3) }));
  }
  if (nearStale) warnings.push(t("threshold_near_stale"));
  warning.hidden = !warnings.length;
  warning.textContent = warnings.join(" ");
  // The proposal as shown: the server applies it only if every value that decides (its DECIDING) still holds.
  apply.onclick = () => act(app, "/api/learn/threshold/apply", "threshold_done", p);
  revert.onclick = () => act(app, "/api/learn/threshold/revert", "threshold_reverted");
}

async function act(app, url, done, body = undefined) {
  const res = await app.api.send("POST", url, body);
  app.flash(res.ok ? t(done) : (res.data && res.data.message) || t("error_generic", { status: res.status }));
  await showThreshold(app);
}
