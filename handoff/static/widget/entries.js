// How each transcript entry (docs/protocol.md §1, "transcript entries") shows up in the widget.
import { localiseTextNodes } from "../js/format.js";
import { el, isolate, link } from "../js/safe.js";
import { markDone } from "./cards.js";
import { feedbackValue, isFeedbackPrompt, markChosen, markFeedback, messageNode, retireChoices } from "./view.js";

const STATUS_TEXT = {
  with_agent: "widget.agent_joined",
  closed: "widget.resolved",
};

function userMessage(w, e, info) {
  if (e.payload) spendChoice(w, e.payload, e.seq);
  retireChoices(w.v.log, e.seq);
  const pending = e.msg_id && w.v.log.querySelector(`[data-msg-id="${CSS.escape(e.msg_id)}"]`);
  if (pending) return w.placeAt(pending, e.seq);
  if (info.duplicate) return null;
  return w.append(messageNode({ role: "citizen", text: e.text, ts: e.ts, seq: e.seq }, w.S, w.ctx()), e.seq);
}

/** A button the citizen pressed (live, in another page load, or typed as its payload): the latest bot
 * message before it that offered it shows it as chosen, so a reloaded page cannot send it again. */
function spendChoice(w, payload, seq) {
  const bots = [...w.v.log.querySelectorAll(".msg.bot[data-seq]")].filter((n) => Number(n.dataset.seq) < seq);
  for (const node of bots.reverse()) {
    const chip = [...node.querySelectorAll(".choices button.chip")].find((b) => b.dataset.payload === payload);
    if (chip) return markChosen(chip.closest(".choices"), chip);
    // A feedback prompt answered with its payload (a widget from before 👍/👎 prompts sent buttons).
    const row = feedbackValue(payload) && node.querySelector(".feedback");
    if (row) return row.dataset.recorded ? null : markFeedback(row, feedbackValue(payload), true);
  }
  return null;
}

/** The links of a bot message: an answer's source, titled with its FAQ question ("المصدر: …"). Built as
 * anchors directly: no markdown round trip that a ")" or "]" in a URL or title would cut short. */
export function linkList(w, links) {
  const items = links.map((l) => el("li", { dir: "auto" }, link(l.url, l.title) ?? `${l.title} ${l.url}`));
  const title = w.S.bind(el("span", { class: "source-label" }), "widget.source");
  return [title, el("ul", { class: "links" }, items)];
}

function botMessage(w, e) {
  // The bot asks "was this answer helpful?" after each answer (buttons /feedback_positive and
  // /feedback_negative): that prompt is the one place with 👍/👎, sent as a `feedback` frame. Other bot
  // messages (greetings, thanks, handoff notices) are not answers to rate and get no 👍/👎 of the widget's own.
  const feedback = isFeedbackPrompt(e.buttons);
  const msg = { role: "bot", text: e.text, ts: e.ts, seq: e.seq, buttons: feedback ? [] : e.buttons || [],
    feedback, chosen: feedback ? w.unsentFeedback(e.seq) : null };
  const node = messageNode(msg, w.S, w.ctx());
  // One answer, one bubble: its source goes inside, under the text (#15 item 3).
  if (e.links?.length) {
    const source = el("div", { class: "source" }, ...linkList(w, e.links));
    node.querySelector(".text").after(localiseTextNodes(source, w.fmt.digits));
  }
  return w.append(node, e.seq);
}

function agentMessage(w, e) {
  const name = e.agent_name || w.agentName;
  return w.append(messageNode({ role: "agent", text: e.text, ts: e.ts, seq: e.seq, name }, w.S, w.ctx()), e.seq);
}

function status(w, e) {
  w.setState(e.state, e);
  const back = e.reason === "cancel_wait" ? "widget.wait_cancelled" : "widget.agent_left";
  const key = STATUS_TEXT[e.state] || (e.state === "bot" ? back : null);
  if (e.state === "queued") return w.system("widget.queued_title", null, e.seq);
  if (key) return w.system(key, { name: isolate(e.agent_name || w.agentName || "") }, e.seq);
  return null;
}

function unavailable(w, e) {
  let key = "widget.no_agents";
  let vars = null;
  if (e.reason === "long_wait") key = "widget.long_wait";
  if (e.reason === "outside_hours" && e.next_open) {
    key = "widget.outside_hours";
    vars = { when: w.fmt.weekdayTime(e.next_open) };
  }
  return w.append(w.callbackForm(key, vars), e.seq);
}

function event(w, e) {
  if (e.event === "feedback") {
    const target = w.v.log.querySelector(`[data-seq="${Number(e.target_seq)}"] .feedback:not([data-recorded])`);
    if (target) markFeedback(target, e.value === "up" ? "up" : "down", true);
  } else if (e.event === "leave_message") {
    w.markCardsDone("form.callback", "widget.callback_thanks");
  } else if (e.event === "csat" && e.followup) {
    // A score that opened a follow-up: the card moves on to the number step (also after a reload).
    for (const form of w.v.log.querySelectorAll("form.csat")) form.advance?.({ score: Number(e.value) });
  } else if (e.event === "csat") {
    w.markCardsDone("form.csat", "widget.csat_thanks");
  } else if (e.event === "followup_contact") {
    for (const step of w.v.log.querySelectorAll("form.csat .followup")) {
      markDone(w.S, step.closest("form.csat"), e.given ? "widget.followup_thanks" : "widget.followup_declined");
    }
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
