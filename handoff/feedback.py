"""Answer feedback: the citizen's 👍/👎 on the bot's "was this answer helpful?" prompt, once per prompt.

A prompt is a ``bot_message`` offering both feedback payloads (``utter_ask_helpful`` in chatbot/domain.yml).
The answer comes as a ``feedback`` frame naming the prompt's seq, or as a ``button`` frame with one of the
payloads (REST clients, old widgets), which answers the latest prompt. Either way it is stored as one
feedback event and forwarded to the bot once: validation, the once-per-prompt check and the store are one
atomic script (``handoff.lua.FEEDBACK``), so two sockets or two gateways cannot both record one.
"""

from __future__ import annotations

import redis.asyncio as aioredis

from common.clock import now_iso
from handoff import lua
from handoff.conversations import OPEN_STATES, AppendResult, body, open_append_result, pending_item
from handoff.errors import ConversationError
from handoff.keys import Keys
from handoff.protocol import EventBody, FeedbackValue

PAYLOADS: dict[FeedbackValue, str] = {"up": "/feedback_positive", "down": "/feedback_negative"}
# How many of the latest entries a feedback button searches for its prompt: the bot asks right after an
# answer, so the prompt is one of the last few; the bound keeps the script short on a long transcript.
PROMPT_SEARCH = 200


def value_of(payload: str) -> FeedbackValue | None:
    """``up``/``down`` for a feedback payload, None for any other payload."""
    for value, candidate in PAYLOADS.items():
        if candidate == payload:
            return value
    return None


class FeedbackStore:
    def __init__(self, redis: aioredis.Redis, keys: Keys, ttl_s: int) -> None:
        self.keys = keys
        self.ttl_s = ttl_s
        self._record = redis.register_script(lua.FEEDBACK)

    async def record(self, cid: str, msg_id: str, value: FeedbackValue, prompt_seq: int | None) -> AppendResult:
        """Store the feedback event for the prompt ``prompt_seq`` (None: the latest prompt), once per prompt.

        Feedback is taken while the conversation is open (after an agent joined too: it is still about the
        answer). A resent ``msg_id`` gets its original seq (``stored=False``). Raises ConversationError:
        ``invalid_target`` (no such prompt), ``already_rated``, ``closed``, ``unknown_conversation``.
        """
        entry: EventBody = {"type": "event", "event": "feedback", "value": value}  # the script adds target_seq
        ts = now_iso()
        k = self.keys
        res = await self._record(
            keys=k.conversation(cid),
            args=[
                body({**entry, "ts": ts}), msg_id, k.ch_conv(cid), self.ttl_s, "state", OPEN_STATES, "", ts,
                pending_item(PAYLOADS[value], msg_id), "" if prompt_seq is None else str(prompt_seq),
                PAYLOADS["up"], PAYLOADS["down"], PROMPT_SEARCH,
            ],
        )
        code = int(res[0])
        if code in (-3, -4):
            raise _refusal(code, res, prompt_seq)
        return open_append_result(cid, res)


def _refusal(code: int, res: list[object], prompt_seq: int | None) -> ConversationError:
    if code == -4:
        return ConversationError(
            f"bot message {res[2]} was already rated (feedback event {res[1]}): feedback counts once per answer, "
            "the first one stays", "already_rated")
    if prompt_seq is None:
        return ConversationError(
            f"no bot message among the last {PROMPT_SEARCH} entries asked for feedback: nothing to rate",
            "invalid_target")
    return ConversationError(
        f"seq {prompt_seq} is not a bot message of this conversation asking for feedback: send the seq of "
        f"the message offering {PAYLOADS['up']} and {PAYLOADS['down']}", "invalid_target")
