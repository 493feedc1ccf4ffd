// How each transcript entry (docs/protocol.md §1, "transcript entries") shows up in the widget.
import { el, link } from "../js/safe.js";
import { messageNode } from "./view.js";

const STATUS_TEXT = {
  with_agent: "widget.agent_joined",
  closed: "widget.resolved",
};

function userMessage(w, e, info) {
  w.awaitingAnswer = true;
  const pending = e.msg_id && w.v.log.querySelector(`[data-msg-id="${CSS.escape(e.msg_id)}"]`);
  if (pending) return w.placeAt(pending, e.seq);
  if (info.duplicate) return null;
  return w.append(messageNode({ role: "citizen", text: e.text, ts: e.ts, seq: e.seq }, w.S, w.ctx()), e.seq);
}

/** The links of a bot message. Built as anchors directly: no markdown round trip that a ")" or "]" in a
 * URL or title would cut short. */
export function linkList(w, links) {
  const items = links.map((l) => el("li", {}, link(l.url, l.title) ?? `${l.title} ${l.url}`));
  const title = w.S.bind(el("span", { class: "vh" }), "widget.links");
  return [title, el("ul", { class: "links" }, items)];
}

function botMessage(w, e) {
  // 👍/👎 once per answer: on the first bot message after the citizen spoke, unless it is a prompt
  // that already offers buttons (clarification, "was this helpful?").
  const feedback = Boolean(w.awaitingAnswer) && !(e.buttons || []).length;
  w.awaitingAnswer = false;
  const msg = { role: "bot", text: e.text, ts: e.ts, seq: e.seq, buttons: e.buttons || [], feedback };
  const node = messageNode(msg, w.S, w.ctx());
  if (e.links?.length) node.querySelector(".text").after(...linkList(w, e.links));
  return w.append(node, e.seq);
}

function agentMessage(w, e) {
  const name = e.agent_name || w.agentName;
  return w.append(messageNode({ role: "agent", text: e.text, ts: e.ts, seq: e.seq, name }, w.S, w.ctx()), e.seq);
}

function status(w, e) {
  w.setState(e.state, e);
  const key = STATUS_TEXT[e.state] || (e.state === "bot" && e.reason !== "cancel_wait" ? "widget.agent_left" : null);
  if (e.state === "queued") return w.system("widget.queued_title", null, e.seq);
  if (key) return w.system(key, { name: e.agent_name || w.agentName || "" }, e.seq);
  return null;
}

function unavailable(w, e) {
  let key = "widget.no_agents";
  let vars = null;
  if (e.reason === "outside_hours" && e.next_open) {
    key = "widget.outside_hours";
    vars = { when: new Date(e.next_open).toLocaleString(w.lang === "ar" ? "ar-SA" : "en-GB",
      { weekday: "long", hour: "2-digit", minute: "2-digit" }) };
  }
  return w.append(w.callbackForm(key, vars), e.seq);
}

function event(w, e) {
  if (e.event === "feedback") {
    const target = w.v.log.querySelector(`[data-seq="${Number(e.target_seq)}"] .feedback`);
    if (target) {
      const buttons = target.querySelectorAll("button");
      buttons.forEach((b, i) => b.setAttribute("aria-pressed", String((i === 0) === (e.value === "up"))));
    }
  } else if (e.event === "leave_message") {
    w.markCardsDone("form.callback", "widget.callback_thanks");
  } else if (e.event === "csat") {
    w.markCardsDone("form.csat", "widget.csat_thanks");
  }
  return null;
}

const HANDLERS = {
  user_message: userMessage,
  bot_message: botMessage,
  agent_message: agentMessage,
  status,
  handoff_unavailable: unavailable,
  csat_request: (w, e) => w.append(w.csatForm(), e.seq),
  event,
};

/** Render one entry; unknown entry types are ignored (newer gateway, older widget). */
export function applyEntry(w, entry, info) {
  const handler = HANDLERS[entry.type];
  if (handler) handler(w, entry, info);
}
