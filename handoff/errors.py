"""Domain errors of the gateway; handlers map them to error frames or HTTP statuses."""

from __future__ import annotations


class HandoffError(Exception):
    """Base class: ``code`` is the error code of docs/protocol.md, ``message`` names the fix."""

    code = "internal"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class ProtocolError(HandoffError):
    """A frame the gateway refuses."""

    def __init__(self, code: str, message: str, msg_id: str | None = None, ref: str | None = None) -> None:
        super().__init__(message, code)
        self.msg_id = msg_id
        self.ref = ref


class ConversationError(HandoffError):
    """A conversation operation refused: bad_token, wrong_state, already_claimed, not_assigned, ..."""


class AuthError(HandoffError):
    code = "invalid_credentials"


class ThrottledError(HandoffError):
    code = "too_many_attempts"

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class RedisVersionError(HandoffError):
    """The Redis server is too old for the gateway's scripts (raised at start-up)."""

    code = "redis_too_old"


class CannedError(HandoffError):
    """A saved reply refused: invalid_body, unknown_reply, forbidden, too_many."""
