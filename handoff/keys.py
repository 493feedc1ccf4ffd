"""Every Redis key and pub/sub channel of the gateway, under ``REDIS_PREFIX`` + ``ho:``.

The layout is documented in docs/redis-data-model.md; change both together.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Keys:
    prefix: str = "faq:"

    @property
    def base(self) -> str:
        return f"{self.prefix}ho:"

    # conversations
    def conv(self, cid: str) -> str:
        return f"{self.base}conv:{cid}"

    def transcript(self, cid: str) -> str:
        return f"{self.base}tx:{cid}"

    def dedupe(self, cid: str) -> str:
        return f"{self.base}dedupe:{cid}"

    def pending(self, cid: str) -> str:
        return f"{self.base}pending:{cid}"

    def citizen_seen(self, cid: str) -> str:
        """String: when a page (socket) of this conversation was last open on any gateway (epoch seconds). One
        marker for every reader: queue absence (stranded.py), the console's mark, the 👎 watch (leaving.py)."""
        return f"{self.base}cseen:{cid}"

    def wait_offer(self, cid: str, reason: str) -> str:
        """String (NX): a queued citizen was offered leave-a-message for `reason` (stranded.py), once."""
        return f"{self.base}waitoffer:{cid}:{reason}"

    def recover_lock(self, cid: str) -> str:
        """String (NX, expires): one gateway at a time retries a conversation's pending inputs."""
        return f"{self.base}recover:{cid}"

    @property
    def health_probe(self) -> str:
        """String with a 10 s expiry: /health writes it to prove Redis accepts writes (not only PING)."""
        return f"{self.base}health:probe"

    def offered(self, cid: str) -> str:
        return f"{self.base}offered:{cid}"

    def rated(self, cid: str) -> str:
        """Feedback prompts already answered: prompt seq -> seq of the feedback event (one per prompt)."""
        return f"{self.base}rated:{cid}"

    def conversation(self, cid: str) -> list[str]:
        """Every key of one conversation, in the order the scripts take them as their first KEYS.

        They share one expiry time (see ``lua.keep_alive``): a key listed here can never outlive its
        conversation or die before it, so a key added to a conversation belongs in this list.
        """
        return [self.conv(cid), self.transcript(cid), self.dedupe(cid), self.pending(cid), self.offered(cid),
                self.rated(cid)]

    @property
    def queue(self) -> str:
        return f"{self.base}queue"

    def day_count(self, day: str) -> str:
        """Counter of the citizens queued on one local day (TIMEZONE): the consoles' "citizen no. 12 today"."""
        return f"{self.base}daycount:{day}"

    # agents
    @property
    def presence(self) -> str:
        return f"{self.base}presence"

    @property
    def presence_status(self) -> str:
        return f"{self.base}presence_status"

    def agent_convs(self, username: str) -> str:
        return f"{self.base}agent_convs:{username}"

    @property
    def none(self) -> str:
        """Placeholder key for scripts that take an optional key; never written."""
        return f"{self.base}none"

    # callbacks and CSAT
    @property
    def callbacks(self) -> str:
        return f"{self.base}callbacks"

    def callback(self, callback_id: str) -> str:
        return f"{self.base}callback:{callback_id}"

    def followup(self, task_id: str) -> str:
        """Hash: a dissatisfied-citizen follow-up task (followups.py); the only place its mobile number lives."""
        return f"{self.base}followup:{task_id}"

    def followup_calls(self, task_id: str) -> str:
        """List: the calls recorded on a follow-up task (JSON), expiring with it."""
        return f"{self.base}followup_calls:{task_id}"

    @property
    def followups(self) -> str:
        """Sorted set: follow-up task ids by due time."""
        return f"{self.base}followups"

    @property
    def followup_watch(self) -> str:
        """Sorted set: conversations with a 👎 not yet followed by a person, by the 👎's time (leaving.py)."""
        return f"{self.base}followup_watch"

    @property
    def csat_stream(self) -> str:
        return f"{self.base}csat"

    @property
    def csat_counts(self) -> str:
        return f"{self.base}csat_counts"

    @property
    def wait_avg(self) -> str:
        return f"{self.base}wait_avg"

    # saved (canned) replies
    @property
    def canned_team(self) -> str:
        """Hash: reply id -> JSON CannedReply, shared by every agent (written by supervisors)."""
        return f"{self.base}canned:team"

    def canned_personal(self, username: str) -> str:
        """Hash: reply id -> JSON CannedReply, one agent's own."""
        return f"{self.base}canned:user:{username}"

    # accounts
    def account(self, username: str) -> str:
        return f"{self.base}account:{username}"

    @property
    def accounts(self) -> str:
        return f"{self.base}accounts"

    def session(self, token_hash: str) -> str:
        return f"{self.base}session:{token_hash}"

    def user_sessions(self, username: str) -> str:
        return f"{self.base}sessions:{username}"

    def login_failures(self, kind: str, who: str) -> str:
        return f"{self.base}login_fail:{kind}:{who}"

    def new_conversations(self, ip: str) -> str:
        return f"{self.base}new_conv:{ip}"

    # pub/sub channels
    def ch_conv(self, cid: str) -> str:
        return f"{self.base}ch:conv:{cid}"

    def ch_agent(self, username: str) -> str:
        return f"{self.base}ch:agent:{username}"

    @property
    def ch_queue(self) -> str:
        return f"{self.base}ch:queue"

    @property
    def ch_callbacks(self) -> str:
        return f"{self.base}ch:callbacks"

    @property
    def ch_revoked(self) -> str:
        return f"{self.base}ch:revoked"
