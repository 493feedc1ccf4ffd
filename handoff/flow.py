"""Conversation flow shared by the sockets and HTTP: bot turns, handoff attempts, CSAT.

Plain async functions over the ``Gateway``; sockets only parse frames and map errors.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable

from common.logs import conversation_id as conversation_ctx
from common.pii import mask
from handoff import leaving
from handoff.conversations import AppendResult, now_iso
from handoff.errors import ConversationError
from handoff.followups import CSAT_FOLLOWUP_MAX, create_followup, normalise_gulf_mobile
from handoff.gateway import Gateway
from handoff.protocol import FeedbackValue, HandoffPacket
from handoff.rasa import BotTurn, RasaUnavailable, context

log = logging.getLogger(__name__)

Typing = Callable[[bool], None]


def typed_text(text: str) -> str:
    """What the citizen typed, never read by Rasa as ``/intent{"slot": ...}``: only offered buttons send that.

    Rasa parses any message starting with "/" (after stripping, as the frame parser already did) as an
    intent with entities, so a typed "/choose_faq{...}" would skip NLU and set slots at will.
    """
    return "\uff0f" + text[1:] if text.startswith("/") else text


async def bot_turn(gw: Gateway, cid: str, text: str, typing: Typing | None = None, pending: bool = False,
                   input_id: str | None = None) -> None:
    """Send one citizen input to Rasa (sender = conversation id) and store its replies.

    Replies are stored only while the conversation is still with the bot: once a human is involved the
    bot must stay silent. Raises RasaUnavailable when Rasa does not answer (the input stays stored).
    ``pending``: the input is on the conversation's pending list (see APPEND); it leaves it when done.
    """
    conversation_ctx.set(cid)
    async with gw.turn(cid):
        try:
            await _turn(gw, cid, text, typing, input_id)
        except RasaUnavailable:
            if pending:  # the citizen is told (bot_unavailable) and may ask for a person: no late answer
                await gw.conversations.pop_pending(cid)
            raise
        # Only once the replies are stored: when Redis refuses the write (out of memory) the input stays
        # pending and is answered on a later resume (recover_pending) instead of never.
        if pending:
            await gw.conversations.pop_pending(cid)


async def recover_pending(gw: Gateway, cid: str, typing: Typing | None = None) -> int:
    """Answer inputs a crashed gateway acked but never answered. Returns how many were retried.

    An input younger than a whole bot turn may still be in flight on the gateway that acked it, so the
    retry waits until that turn would have timed out (a citizen resumes within seconds of a crash: the
    retry must not depend on resuming late). A lock in Redis keeps two gateways from retrying the same
    conversation at once.
    """
    if cid in gw.turn_locks:
        return 0
    items = await gw.conversations.pending_inputs(cid)
    if not items:
        return 0
    wait = float(items[0].get("at", 0)) + gw.settings.rasa_timeout_s + 5 - gw.now()
    if wait > 0:
        await asyncio.sleep(wait)
        return await recover_pending(gw, cid, typing)
    lock = gw.keys.recover_lock(cid)
    hold_ms = int((gw.settings.rasa_timeout_s + 5) * 1000 * len(items))
    if not await gw.redis.set(lock, "1", nx=True, px=hold_ms):
        return 0  # another gateway is answering them
    try:
        log.info("retrying bot turns left by a crash", extra={"count": len(items)})
        for item in items:
            await bot_turn(gw, cid, str(item.get("text", "")), typing, pending=True, input_id=item.get("msg_id"))
    finally:
        await gw.redis.delete(lock)
    return len(items)


async def _turn(gw: Gateway, cid: str, text: str, typing: Typing | None, input_id: str | None = None) -> None:
    meta = await gw.conversations.get(cid)
    if meta.get("state") != "bot":
        return
    if log.isEnabledFor(logging.DEBUG):
        log.debug("to rasa: %s", mask(text))
    if typing:
        typing(True)
    started = gw.now()
    try:
        # input_id: a retried input (recover_pending) is recognised by the assistant, which then repeats its
        # replies instead of counting the input twice (actions/rasa_actions.py).
        metadata = {"locale": meta.get("locale", "ar"), **({"input_id": input_id} if input_id else {})}
        turn = await gw.rasa.send(cid, text, metadata)
    except RasaUnavailable:
        gw.metrics.rasa_errors.inc()
        raise
    finally:
        if typing:
            typing(False)
    gw.metrics.relay_seconds.observe(gw.now() - started)
    # Every citizen input gets at least one reply from this assistant's rules; Rasa answers [] when a
    # custom action failed (action server down) or it has no usable model, and the citizen would wait in
    # silence. /health reports it until a turn is answered again.
    gw.bot_silent = not turn.messages and turn.handoff is None
    if gw.bot_silent:
        gw.metrics.rasa_errors.inc()
        raise RasaUnavailable("Rasa answered with no reply: is the action server up, and does Rasa have a model?")
    await _store_turn(gw, cid, turn)


async def _store_turn(gw: Gateway, cid: str, turn: BotTurn) -> None:
    # The context rides on the turn's last message: stored with it, in the same step, only while with the bot.
    context = {"context": json.dumps(turn.context, ensure_ascii=False)} if turn.context is not None else None
    for i, message in enumerate(turn.messages):
        try:
            await gw.conversations.append(cid, message, cond=("state", "bot"),
                                          offers=[b["payload"] for b in message["buttons"]],
                                          set_fields=context if i == len(turn.messages) - 1 else None)
        except ConversationError:
            log.info("bot reply dropped: the conversation left the bot meanwhile")
            return
        gw.metrics.messages.labels("bot").inc()
    if turn.handoff is not None:
        packet: HandoffPacket = {**turn.handoff, "requested_at": now_iso()}
        if not packet["summary"]:
            packet["summary"] = await gw.conversations.recent_user_texts(cid)
        await try_handoff(gw, cid, packet)


async def try_handoff(gw: Gateway, cid: str, packet: HandoffPacket) -> str:
    """Queue the conversation for an agent, or tell the citizen why not. Returns queued|unavailable|<state>."""
    if not gw.is_open():
        reason = "outside_hours"
    elif await gw.presence.online_count() == 0:
        reason = "no_agents"
    else:
        try:
            await gw.queue.enqueue(cid, packet)
        except ConversationError as exc:
            return exc.code  # already queued / with an agent / closed: nothing to do
        gw.metrics.handoffs.labels(packet["reason"]).inc()
        await gw.analytics.emit("handoff.requested", cid, reason=packet["reason"], topic=packet["topic"])
        log.info("queued for an agent", extra={"reason": packet["reason"], "topic": packet["topic"]})
        return "queued"
    entry = {"type": "handoff_unavailable", "reason": reason, "next_open": gw.next_open()}
    try:
        await gw.conversations.append(cid, entry, cond=("state", "bot"))
    except ConversationError as exc:
        return exc.code
    gw.metrics.unavailable.labels(reason).inc()
    await gw.analytics.emit("handoff.requested", cid, reason=packet["reason"], topic=packet["topic"])
    await gw.analytics.emit("handoff.abandoned", cid, how="out_of_hours" if reason == "outside_hours" else reason)
    return "unavailable"


async def user_request_packet(gw: Gateway, cid: str) -> HandoffPacket:
    """The packet of a handoff the citizen asked for without a bot turn (the widget's link): topic and
    candidates from the assistant's latest context (rasa.context), the summary from the transcript."""
    raw = await gw.redis.hget(gw.keys.conv(cid), "context")
    ctx = context(json.loads(raw)) if raw else context(None)
    return {
        "reason": "user_request", "topic": ctx["topic"], "candidates": ctx["candidates"],
        "summary": await gw.conversations.recent_user_texts(cid), "requested_at": now_iso(),
    }


async def submit_csat(gw: Gateway, cid: str, msg_id: str | None, score: int, comment: str) -> int:
    """Store the citizen's CSAT answer once (only after a csat_request). Returns the event's seq.

    A score of 1–2 also creates the conversation's follow-up task (docs/followups.md); the stored event
    says so (``followup: true``), so a reloaded widget offers the number step again.
    """
    low = score <= CSAT_FOLLOWUP_MAX
    entry = {"type": "event", "event": "csat", "value": score, **({"followup": True} if low else {})}
    res = await gw.conversations.append(
        cid, entry, msg_id=msg_id, cond=("csat_state", "requested"),
        set_fields={"csat_state": "given", "csat_score": str(score), **({"followup_state": "offered"} if low else {})},
    )
    if res.stored:
        meta = await gw.conversations.get(cid)
        await gw.csat.record(cid, score, comment, meta.get("resolved_by", ""))
        gw.metrics.csat.labels(str(score)).inc()
        await gw.analytics.emit("csat.submitted", cid, score=score, comment=comment,  # the emitter masks it
                                target="agent" if meta.get("resolved_by") else "bot")
        if low:
            await create_followup(gw, cid, "csat_low")
    return res.seq


async def submit_followup_contact(gw: Gateway, cid: str, msg_id: str, mobile: str | None) -> AppendResult:
    """The citizen's answer to the number step: a mobile to be called on (with consent) or none.

    The transcript only says whether a number was given; the number itself goes to the task alone.
    Raises FollowupError ``invalid_mobile``, ConversationError ``wrong_state`` (no step was offered).
    """
    if mobile:
        normalise_gulf_mobile(mobile)  # refuse a bad number before anything is stored
    entry = {"type": "event", "event": "followup_contact", "given": bool(mobile)}
    res = await gw.conversations.append(cid, entry, msg_id=msg_id, cond=("followup_state", "offered"),
                                        set_fields={"followup_state": "answered"})
    if res.stored and mobile:
        task_id = await gw.followups.set_number(cid, mobile)
        log.info("follow-up number given", extra={"task_id": task_id})
    return res


async def submit_feedback(
    gw: Gateway, cid: str, msg_id: str, value: FeedbackValue, prompt_seq: int | None
) -> AppendResult:
    """Record the citizen's answer to a feedback prompt (None: the latest prompt), once per prompt.

    Counted when newly stored, not on a resend. Raises ConversationError (see FeedbackStore.record).
    """
    res = await gw.feedback.record(cid, msg_id, value, prompt_seq)
    if res.stored:
        gw.metrics.feedback.labels(value).inc()
        if value == "down":
            await leaving.watch(gw, cid)
        log.info("answer rated", extra={"value": value})
        await gw.analytics.emit("feedback.thumb", cid, value=value, faq_id=None)
    return res
