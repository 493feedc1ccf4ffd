"""Every Redis key the knowledge base uses, built under the configurable prefix (``REDIS_PREFIX``).

One place so that two processes can never disagree on a key name, and so a test can give each
run its own prefix.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_PREFIX = "faq:"


@dataclass(frozen=True)
class KbKeys:
    prefix: str = DEFAULT_PREFIX

    def entry(self, entry_id: str) -> str:
        """Hash: one FAQ entry (fields of FaqEntry + rev, deleted, created_at, updated_by)."""
        return f"{self.prefix}kb:entry:{entry_id}"

    @property
    def ids(self) -> str:
        """Set: every entry id ever stored, including soft-deleted ones."""
        return f"{self.prefix}kb:ids"

    @property
    def published(self) -> str:
        """Set: ids the bot serves (status published and not deleted)."""
        return f"{self.prefix}kb:published"

    @property
    def version(self) -> str:
        """Integer: corpus version, bumped by every change."""
        return f"{self.prefix}kb:version"

    @property
    def changed_channel(self) -> str:
        """Pub/sub channel: the new corpus version is published here after every change."""
        return f"{self.prefix}kb:changed"

    @property
    def audit(self) -> str:
        """Stream: every change (who, when, which fields, before/after)."""
        return f"{self.prefix}kb:audit"

    def entry_audit(self, entry_id: str) -> str:
        """Stream: the same audit records for one entry, so its history is one XRANGE."""
        return f"{self.prefix}kb:audit:{entry_id}"

    @property
    def seed_lock(self) -> str:
        return f"{self.prefix}kb:seed_lock"

    def embedding(self, model: str, digest: str) -> str:
        """String: one cached float32 vector for (model, sha256 of the text)."""
        return f"{self.prefix}kb:emb:{model}:{digest}"

    @property
    def unanswered(self) -> str:
        """Stream: masked citizen messages the bot could not answer."""
        return f"{self.prefix}kb:unanswered"

    @property
    def unanswered_done(self) -> str:
        """Set: unanswered record ids already turned into an FAQ draft or dismissed."""
        return f"{self.prefix}kb:unanswered:done"

    @property
    def learned(self) -> str:
        """Stream: (masked question, entry) pairs a person confirmed: a citizen's pick among the options,
        or an FAQ an agent inserted after a handoff; and 👎 on a picked answer (learning.py)."""
        return f"{self.prefix}kb:learned"

    @property
    def learned_done(self) -> str:
        """Set: suggestion keys an editor accepted as an alternative or dismissed."""
        return f"{self.prefix}kb:learned:done"

    @property
    def answer_threshold(self) -> str:
        """String (JSON): the answer threshold an editor applied from labelled use, with its evidence
        (answer_threshold.py); absent: the index's own."""
        return f"{self.prefix}kb:answer_threshold"


def keys_or_env(keys: KbKeys | None) -> KbKeys:
    """The given keys, or the process's own (REDIS_PREFIX): the assistant passes only its Redis client."""
    return keys or KbKeys(os.environ.get("REDIS_PREFIX") or DEFAULT_PREFIX)
