"""Nobody stranded in the queue, and no ghost in it.

Queued citizens are offered to leave a message when no agent can take them (the last agent left, or the
service closed) and again when their wait passes LONG_WAIT_OFFER_S. A queued citizen whose page is closed
(no socket on any gateway: `citizen_seen` stops being refreshed) is shown absent after CITIZEN_ABSENT_S,
skipped in the others' positions, and leaves the queue as abandoned after QUEUE_ABANDON_S.

Every gateway runs this with its reaper; a key per (conversation, reason) set with NX makes each offer
appear once however many gateways see it. The offer is a `handoff_unavailable` transcript entry, as a
citizen who asks when nobody is there gets: the widget shows the call-back form and the citizen stays in
the queue (an agent who comes back can still take them).
"""

from __future__ import annotations

import json
import time
from typing import Any, NamedTuple

from handoff.errors import ConversationError
from handoff.protocol import HandoffUnavailableBody, UnavailableReason
from handoff.settings import Settings


class Waiting(NamedTuple):
    cid: str
    waited_s: float   # since it was queued
    gone_s: float     # since a page of it was last open (or since it was queued)
    absent: bool      # flagged absent (shown so in the consoles)


async def read_queue(gw: Any) -> list[Waiting]:
    """The queue in order, with what the sweep and the positions need: one pass over Redis."""
    cids = [c.decode() for c in await gw.redis.zrange(gw.keys.queue, 0, -1)]
    async with gw.redis.pipeline(transaction=False) as pipe:
        for cid in cids:
            pipe.get(gw.keys.citizen_seen(cid))
            pipe.hmget(gw.keys.conv(cid), "enqueued_at", "absent")
        rows = await pipe.execute()
    now, out = time.time(), []
    for i, cid in enumerate(cids):
        seen, (enqueued, absent) = rows[2 * i], rows[2 * i + 1]
        queued_at = float(enqueued or now)
        out.append(Waiting(cid, now - queued_at, now - float(seen or queued_at), absent == b"1"))
    return out


async def sweep_queue(gw: Any) -> None:
    """The reaper's pass: ghosts first, then offers to those still waiting."""
    await offer_alternatives(gw, await sweep_absent(gw, await read_queue(gw)))


def seen_ttl_s(settings: Settings) -> int:
    """The page marker (citizen_seen) also serves the 👎-then-left watch (leaving.py), so it outlives the
    longer of the two windows: an expired marker reads as a page gone since long ago."""
    return max(settings.queue_abandon_s + 60, settings.followup_leave_grace_s + 120)


async def beat_citizens(gw: Any, cids: list[str]) -> None:
    """These conversations have a page (socket) open on this gateway now."""
    if not cids:
        return
    ttl = seen_ttl_s(gw.settings)
    async with gw.redis.pipeline(transaction=False) as pipe:
        for cid in cids:
            pipe.set(gw.keys.citizen_seen(cid), f"{time.time():.3f}", ex=ttl)
        await pipe.execute()


async def sweep_absent(gw: Any, waiting: list[Waiting]) -> list[Waiting]:
    """Flag absent citizens (the consoles are told) and close the wait of those gone too long; returns
    the ones still waiting."""
    still = []
    for w in waiting:
        if w.gone_s >= gw.settings.queue_abandon_s:
            try:
                await gw.queue.abandon(w.cid)
            except ConversationError:
                continue  # claimed or cancelled meanwhile
            gw.metrics.abandoned.inc()
            await gw.analytics.emit("handoff.abandoned", w.cid, how="left")
            await gw.analytics.emit("conversation.ended", w.cid, how="abandoned")
            continue
        still.append(w)
        if (w.gone_s >= gw.settings.citizen_absent_s) != w.absent and await gw.redis.exists(gw.keys.conv(w.cid)):
            await gw.redis.hset(gw.keys.conv(w.cid), "absent", "" if w.absent else "1")
            await gw.redis.publish(gw.keys.ch_queue, json.dumps({"op": "added", "cid": w.cid}))  # consoles refresh
    return still


async def offer_alternatives(gw: Any, waiting: list[Waiting]) -> int:
    """Offer leave-a-message to the queued citizens who need it now; returns how many were offered."""
    if not waiting:
        return 0
    if not gw.is_open():
        nobody: UnavailableReason | None = "outside_hours"
    else:
        nobody = "no_agents" if await gw.presence.online_count() == 0 else None
    offered = 0
    for w in waiting:
        reason: UnavailableReason | None = nobody or (
            "long_wait" if w.waited_s >= gw.settings.long_wait_offer_s else None)
        if reason and await _offer_once(gw, w.cid, reason):
            offered += 1
    return offered


async def _offer_once(gw: Any, cid: str, reason: UnavailableReason) -> bool:
    if not await gw.redis.set(gw.keys.wait_offer(cid, reason), "1", nx=True, ex=gw.settings.conversation_ttl_s):
        return False
    entry: HandoffUnavailableBody = {"type": "handoff_unavailable", "reason": reason, "next_open": gw.next_open()}
    try:
        await gw.conversations.append(cid, entry, cond=("state", "queued"))
    except ConversationError:
        return False  # taken or closed meanwhile
    gw.metrics.unavailable.labels(reason).inc()
    return True
