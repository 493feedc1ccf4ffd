"""A 👎 followed by leaving (#14 item 4): the citizen rated an answer unhelpful and went away without a
person taking over. After FOLLOWUP_LEAVE_GRACE_S with no page of the conversation open on any gateway,
the conversation gets a follow-up task (trigger ``thumb_down_left``; docs/followups.md).

The 👎 puts the conversation on a watch list (a sorted set by the 👎's time). Every gateway's reaper marks
the watched conversations it has an open socket for as here now, and sweeps: a watched conversation that
a person took over (queued, with an agent, closed) leaves the list; one whose page has been gone for the
grace period gets its task. Creating the task is idempotent (one task id per conversation), so two
gateways sweeping at once create one task; the entry leaves the list only after the task exists, so a
gateway dying between the two steps loses nothing.

"Here now" is the same page marker the queue reads for absence (``keys.citizen_seen``, stranded.py): one
presence beat per page, whatever the conversation's state; its lifetime covers this grace period too.
"""

from __future__ import annotations

import time
from typing import Any

from handoff.followups import create_followup
from handoff.stranded import seen_ttl_s


async def watch(gw: Any, cid: str) -> None:
    """A 👎 was stored: watch the conversation (the first 👎's time counts) and mark its page here now."""
    k, now = gw.keys, time.time()
    async with gw.redis.pipeline(transaction=True) as pipe:
        pipe.zadd(k.followup_watch, {cid: now}, nx=True)
        pipe.set(k.citizen_seen(cid), f"{now:.3f}", ex=seen_ttl_s(gw.settings))
        await pipe.execute()


async def watched(gw: Any, cids: list[str]) -> list[str]:
    """Those of ``cids`` on the watch list: the reaper keeps their page marker fresh while a socket is open."""
    if not cids:
        return []
    scores = await gw.redis.zmscore(gw.keys.followup_watch, cids)
    return [cid for cid, score in zip(cids, scores, strict=True) if score is not None]


async def sweep(gw: Any, now: float | None = None) -> list[str]:
    """Watched conversations whose 👎 is older than the grace period: settle them. Returns those that left."""
    k, grace = gw.keys, gw.settings.followup_leave_grace_s
    now = time.time() if now is None else now
    due = [c.decode() for c in await gw.redis.zrangebyscore(k.followup_watch, "-inf", now - grace, start=0, num=500)]
    left: list[str] = []
    for cid in due:
        state, here = await gw.redis.hget(k.conv(cid), "state"), await gw.redis.get(k.citizen_seen(cid))
        if state is None or state != b"bot":  # expired, or a person is (or was) dealing with it
            await gw.redis.zrem(k.followup_watch, cid)
            continue
        if here is not None and now - float(here) < grace:
            continue  # the page is still open somewhere: not left (yet)
        await create_followup(gw, cid, "thumb_down_left")
        await gw.redis.zrem(k.followup_watch, cid)
        left.append(cid)
    return left
