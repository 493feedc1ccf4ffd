// Questions the bot could not answer, grouped (a draft per group, or the agent's reply from a conversation),
// and suggestions learned from how citizens and agents used the answers.
import { setupLabels } from "./labels.js";
import { showThreshold } from "./threshold.js";
import { $, el, t } from "./ui.js";

export function setupUnanswered(app) {
  const loadClusters = () => showClusters(app);
  const loadLearned = () => showLearned(app);
  $("#refresh-clusters").addEventListener("click", loadClusters);
  $("#refresh-learned").addEventListener("click", loadLearned);
  $("#accept-all-learned").addEventListener("click", () => acceptAll(app));
  setupLabels(app, loadLearned);
  return { loadClusters, loadLearned };
}

async function showClusters(app) {
  const res = await app.api.send("GET", "/api/unanswered/clusters");
  if (!res.ok) return;
  $("#clusters").replaceChildren(...res.data.clusters.map((c) => cluster(app, c)));
  $("#clusters-empty").hidden = res.data.clusters.length > 0;
}

function cluster(app, c) {
  const reasons = Object.entries(c.reasons).map(([r, n]) => `${t(`reason_${r}`)}: ${n}`).join("، ");
  return el("li", { "data-cluster": c.id },
    el("h3", { text: `${c.question} — ${t("cluster_count", { n: c.count })}` }),
    el("p", { class: "muted", text: reasons }),
    el("ul", {}, ...c.examples.map((x) => el("li", { text: x }))), clusterActions(app, c));
}

function clusterActions(app, c) {
  const make = el("button", { type: "button", class: "btn", text: t("make_faq") });
  make.addEventListener("click", () => app.open(null, c.draft, c.record_ids));
  const dismiss = el("button", { type: "button", class: "btn btn-secondary", text: t("dismiss") });
  dismiss.addEventListener("click", async () => {
    await app.api.send("POST", "/api/unanswered/dismiss", { record_ids: c.record_ids });
    await showClusters(app);
  });
  const actions = el("div", { class: "actions" }, make, dismiss);
  if (c.conversation_ids.length) {
    const reply = el("button", { type: "button", class: "btn btn-secondary", text: t("agent_reply") });
    reply.addEventListener("click", () => fromConversation(app, c.conversation_ids));
    actions.append(reply);
  }
  return actions;
}

async function fromConversation(app, ids) {
  for (const cid of ids) { // the first conversation an agent answered gives the draft
    const res = await app.api.send("POST", "/api/faq/from-conversation", { conversation_id: cid });
    if (res.ok) {
      app.open(res.data.entry);
      return;
    }
  }
  app.flash(t("error_generic", { status: 404 }));
}

async function showLearned(app) {
  const res = await app.api.send("GET", "/api/learn/suggestions");
  if (!res.ok) return;
  const shown = res.data.suggestions;
  $("#learned").replaceChildren(...shown.map((s) => suggestion(app, s)));
  $("#learned-empty").hidden = shown.length > 0;
  $("#learned-all").hidden = shown.length < 2;
  $("#accept-all-learned").textContent = t("learned_accept_all", { n: shown.length });
  app.learned = shown;
  await showThreshold(app);
}

// Every suggestion still listed (the editor dismissed the ones that do not read like a citizen's question)
// in one audited transaction: one rebuild of the index instead of one per click.
async function acceptAll(app) {
  const batch = (app.learned || []).slice(0, 500).map((s) => ({ key: s.key, entry_id: s.entry_id, text: s.text }));
  if (!batch.length) return;
  const res = await app.api.send("POST", "/api/learn/suggestions/accept", { suggestions: batch });
  app.flash(res.ok ? t("learned_added_all", { n: res.data.accepted }) : t("error_generic", { status: res.status }));
  await showLearned(app);
}

function suggestion(app, s) {
  const accept = el("button", { type: "button", class: "btn", text: t("learned_accept") });
  accept.addEventListener("click", async () => {
    const res = await app.api.send("POST", `/api/learn/suggestions/${s.key}/accept`, { entry_id: s.entry_id, text: s.text });
    app.flash(res.ok ? t("learned_added") : t("error_generic", { status: res.status }));
    await showLearned(app);
  });
  const dismiss = el("button", { type: "button", class: "btn btn-secondary", text: t("dismiss") });
  dismiss.addEventListener("click", async () => {
    await app.api.send("POST", `/api/learn/suggestions/${s.key}/dismiss`);
    await showLearned(app);
  });
  const agents = s.agents.length ? s.agents.join("، ") : t("none");
  return el("li", { "data-key": s.key, "data-entry": s.entry_id },
    el("h3", { dir: "auto", text: s.text }),
    el("p", { class: "muted", text: t("learned_for", { question: s.entry_question }) }),
    el("p", { class: "muted", text: t("learned_evidence", { citizens: s.citizens, agents, imported: s.imported }) }),
    el("div", { class: "actions" }, accept, dismiss));
}
