"""Client of Rasa's REST channel, and conversion of its replies into transcript entries.

The sender id is always the gateway's conversation id: citizens never choose it. Rasa replies are lists
of ``{recipient_id, text?, buttons?, custom?}``; a ``custom.handoff`` object asks for a human
(docs/handoff-payload.md). Links come as ``custom.links`` ([{title, url}] or [url]) and only https,
mailto and tel survive.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from contracts.handoff import Candidate, HandoffBody, is_reason
from handoff.errors import HandoffError
from handoff.protocol import BotMessageBody, Button, ConversationContext, Link

log = logging.getLogger(__name__)

_SAFE_SCHEMES = ("https://", "mailto:", "tel:")


class RasaUnavailable(HandoffError):
    code = "bot_unavailable"


@dataclass
class BotTurn:
    messages: list[BotMessageBody] = field(default_factory=list)
    handoff: HandoffBody | None = None
    context: ConversationContext | None = None  # the latest custom.context of the turn


def _links(raw: Any) -> list[Link]:
    links: list[Link] = []
    for item in raw if isinstance(raw, list) else []:
        url, title = (item, item) if isinstance(item, str) else (item.get("url"), item.get("title") or item.get("url"))
        if isinstance(url, str) and url.lower().startswith(_SAFE_SCHEMES) and isinstance(title, str):
            links.append({"title": title[:200], "url": url[:2000]})
    return links


def _buttons(raw: Any) -> list[Button]:
    buttons: list[Button] = []
    for item in raw if isinstance(raw, list) else []:
        if isinstance(item, dict) and isinstance(item.get("title"), str) and isinstance(item.get("payload"), str):
            buttons.append({"title": item["title"][:200], "payload": item["payload"][:256]})
    return buttons


def context(raw: Any) -> ConversationContext:
    """Topic and candidates of a handoff or context object, cut to size; anything malformed is dropped."""
    raw = raw if isinstance(raw, dict) else {}
    topic = raw.get("topic")[:200] if isinstance(raw.get("topic"), str) else None
    candidates: list[Candidate] = []
    for c in raw.get("candidates") or []:
        if isinstance(c, dict) and isinstance(c.get("id"), str):
            score = c.get("score")
            candidates.append({
                "id": c["id"], "question": str(c.get("question") or "")[:500],
                "score": float(score) if isinstance(score, int | float) else 0.0,
            })
    return {"topic": topic, "candidates": candidates[:10]}


def _handoff(raw: Any) -> HandoffBody:
    raw = raw if isinstance(raw, dict) else {}
    reason = raw.get("reason")
    summary = [str(s)[:1000] for s in raw.get("summary") or [] if isinstance(s, str)][:10]
    ctx = context(raw)
    return {"reason": reason if is_reason(reason) else "user_request", "topic": ctx["topic"],
            "candidates": ctx["candidates"], "summary": summary}


def parse_replies(replies: Any) -> BotTurn:
    turn = BotTurn()
    for reply in replies if isinstance(replies, list) else []:
        if not isinstance(reply, dict):
            continue
        raw_custom = reply.get("custom")
        custom: dict[str, Any] = raw_custom if isinstance(raw_custom, dict) else {}
        if "handoff" in custom:
            turn.handoff = _handoff(custom["handoff"])
        if "context" in custom:
            turn.context = context(custom["context"])
        text = reply.get("text") if isinstance(reply.get("text"), str) else (custom.get("text") or "")
        buttons = _buttons(reply.get("buttons") or custom.get("buttons"))
        links = _links(custom.get("links"))
        if text or buttons or links:
            turn.messages.append({"type": "bot_message", "text": str(text), "buttons": buttons, "links": links})
    return turn


class RasaClient:
    def __init__(self, base_url: str, timeout_s: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def send(self, sender: str, text: str, metadata: dict[str, Any] | None = None) -> BotTurn:
        payload = {"sender": sender, "message": text, "metadata": metadata or {}}
        url = f"{self.base_url}/webhooks/rest/webhook"
        try:
            async with self._http().post(url, json=payload) as resp:
                if resp.status != 200:
                    raise RasaUnavailable(f"Rasa answered HTTP {resp.status}; check RASA_URL and the Rasa log")
                return parse_replies(await resp.json(content_type=None))
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise RasaUnavailable(f"Rasa at {self.base_url} did not answer ({type(exc).__name__})") from None

    async def healthy(self) -> bool:
        return await self.reachable(f"{self.base_url}/")

    async def reachable(self, url: str) -> bool:
        """GET `url` answers 200 within 2 s (Rasa's root, the action server's /health)."""
        try:
            async with self._http().get(url, timeout=aiohttp.ClientTimeout(total=2)) as resp:
                return resp.status == 200
        except (aiohttp.ClientError, TimeoutError):
            return False
