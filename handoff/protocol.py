"""Websocket frames of the gateway, one TypedDict per frame; docs/protocol.md is the prose version.

Incoming frames are validated by ``handoff.frames.parse_frame`` from these declarations (each field's
``handoff.fields`` alias says what it accepts), so handlers only ever see well-formed frames of these types.
Outgoing frames are built as literals of these types, which mypy checks.
"""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict, TypeGuard, get_args

# The handoff packet is shared with the action server: one definition, in contracts/ (re-exported here).
from contracts.handoff import Candidate as Candidate
from contracts.handoff import HandoffPacket as HandoffPacket
from contracts.handoff import HandoffReason as HandoffReason
from handoff.fields import Count, Id, LongText, Name, Ref, Score, Short, Text

State = Literal["bot", "queued", "with_agent", "closed"]
STATES: tuple[State, ...] = get_args(State)
Outcome = Literal["resolved", "unresolved", "referred", "spam"]
FeedbackValue = Literal["up", "down"]
Locale = Literal["ar", "en"]



def is_state(value: object) -> TypeGuard[State]:
    return value in STATES


# ---- shared shapes ---------------------------------------------------------------------------------------


class Button(TypedDict):
    title: str
    payload: str


class Link(TypedDict):
    title: str
    url: str


class ConversationContext(TypedDict):
    """The assistant's latest view of the conversation (Rasa ``custom.context``, docs/handoff-payload.md),
    kept in the conversation hash: a handoff without a bot turn (the widget's link) is filled from it."""

    topic: str | None
    candidates: list[Candidate]


class QueueItem(TypedDict):
    conversation_id: str
    reason: str
    topic: str | None
    summary: list[str]
    candidates: list[Candidate]
    enqueued_at: str
    waiting_s: int
    priority: int
    position: int
    locale: str
    present: bool  # False: no page of the citizen open for CITIZEN_ABSENT_S (skipped in positions)
    day_no: int | None  # the citizen's number among those queued today (local day): the consoles' label
    created_at: str


class Callback(TypedDict):
    callback_id: str
    conversation_id: str
    name: str
    mobile: str
    message: str
    callback: bool
    created_at: str
    status: Literal["open", "done"]


class CannedReply(TypedDict):
    """A saved reply an agent inserts into the reply box (``/api/canned``, docs/protocol.md §3)."""

    id: str  # "t_…" team, "p_…" personal
    scope: Literal["team", "personal"]
    title: str
    text: str
    updated_at: str
    updated_by: str


class AgentInfo(TypedDict):
    username: str
    display_name: str
    role: str


# ---- citizen -> server -----------------------------------------------------------------------------------
# What each field accepts (length, range, may be empty) is its handoff.fields alias: handoff.frames validates
# incoming frames from these declarations alone.


class ClientFrame(TypedDict):
    """What every incoming frame may carry: ``ref``, echoed in its answer or error (agent frames use it)."""

    ref: NotRequired[Ref]


class StartFrame(ClientFrame):
    type: Literal["start"]
    locale: NotRequired[Locale]
    branch: NotRequired[LongText]  # the embedding page's data-branch / data-service, and its path (analytics)
    service: NotRequired[LongText]
    page: NotRequired[LongText]


class ResumeFrame(ClientFrame):
    type: Literal["resume"]
    conversation_id: Id
    token: Short
    last_seq: Count


class MessageFrame(ClientFrame):
    type: Literal["message"]
    msg_id: Id
    text: Text


class ButtonFrame(ClientFrame):
    type: Literal["button"]
    msg_id: Id
    payload: Short
    title: LongText


class FeedbackFrame(ClientFrame):
    type: Literal["feedback"]
    msg_id: Id
    seq: Count
    value: FeedbackValue


class RequestHumanFrame(ClientFrame):
    type: Literal["request_human"]
    msg_id: Id


class CancelWaitFrame(ClientFrame):
    type: Literal["cancel_wait"]
    msg_id: Id


class LeaveMessageFrame(ClientFrame):
    type: Literal["leave_message"]
    msg_id: Id
    name: Name
    mobile: Short
    message: Text
    callback: NotRequired[bool]


class CsatFrame(ClientFrame):
    type: Literal["csat"]
    msg_id: Id
    score: Score
    comment: NotRequired[LongText]


class FollowupContactFrame(ClientFrame):
    """After a CSAT of 1–2: a mobile to be called on (needs consent: true), or none (declined)."""

    type: Literal["followup_contact"]
    msg_id: Id
    mobile: NotRequired[Short]
    consent: NotRequired[bool]


class TypingFrame(ClientFrame):
    type: Literal["typing"]
    active: bool


class LocaleFrame(ClientFrame):
    type: Literal["locale"]
    locale: Locale


class PingFrame(ClientFrame):
    type: Literal["ping"]


CitizenFrame = (
    StartFrame | ResumeFrame | MessageFrame | ButtonFrame | FeedbackFrame | RequestHumanFrame | CancelWaitFrame
    | LeaveMessageFrame | CsatFrame | FollowupContactFrame | TypingFrame | LocaleFrame | PingFrame
)


# ---- server -> citizen: transient ------------------------------------------------------------------------


class StartedFrame(TypedDict):
    type: Literal["started"]
    conversation_id: str
    token: str
    last_seq: int
    max_text_chars: int
    max_frame_bytes: int


class ResumedFrame(TypedDict):
    type: Literal["resumed"]
    conversation_id: str
    last_seq: int
    state: State
    max_text_chars: int
    max_frame_bytes: int


class AckFrame(TypedDict):
    type: Literal["ack"]
    msg_id: str
    seq: int
    conversation_id: NotRequired[str]  # agent acks only


# "from" is a Python keyword, hence the functional syntax. "from": "agent" | "bot" | "citizen".
TypingOutFrame = TypedDict(
    "TypingOutFrame",
    {"type": Literal["typing"], "from": str, "active": bool, "conversation_id": NotRequired[str]},
)


class QueuePositionFrame(TypedDict):
    type: Literal["queue_position"]
    position: int
    estimated_wait_s: int


class ErrorFrame(TypedDict):
    type: Literal["error"]
    code: str
    message: str
    msg_id: NotRequired[str | None]
    ref: NotRequired[str | None]
    conversation_id: NotRequired[str]  # agent errors about one conversation


class PongFrame(TypedDict):
    type: Literal["pong"]


# ---- transcript entries (server -> citizen and agent, carry seq) -------------------------------------------
# The gateway writes an entry's body (the *Body types: ConversationStore.append takes a NewEntry) and the
# store stamps it with seq and ts in the same atomic step: clients receive the *Entry types.


class Stamp(TypedDict):
    seq: int
    ts: str


class UserMessageBody(TypedDict):
    type: Literal["user_message"]
    msg_id: str
    text: str
    payload: str | None


class BotMessageBody(TypedDict):
    type: Literal["bot_message"]
    text: str
    buttons: list[Button]
    links: list[Link]


class AgentMessageBody(TypedDict):
    type: Literal["agent_message"]
    text: str
    agent_name: str


class StatusBody(TypedDict):
    type: Literal["status"]
    state: State
    reason: str | None
    position: int | None
    estimated_wait_s: int | None
    agent_name: NotRequired[str]


UnavailableReason = Literal["no_agents", "outside_hours", "long_wait"]


class HandoffUnavailableBody(TypedDict):
    type: Literal["handoff_unavailable"]
    reason: UnavailableReason
    next_open: str | None


class CsatRequestBody(TypedDict):
    type: Literal["csat_request"]


class EventBody(TypedDict):
    type: Literal["event"]
    event: Literal["feedback", "request_human", "cancel_wait", "leave_message", "csat", "followup_contact"]
    value: NotRequired[str | int]
    target_seq: NotRequired[int]
    followup: NotRequired[bool]  # csat: a score of 1–2 opened a follow-up task (the widget offers the number step)
    given: NotRequired[bool]  # followup_contact: a number was given (never the number itself)


class UserMessageEntry(UserMessageBody, Stamp):
    """A citizen's message or button (``payload``: the button's), as clients receive it."""


class BotMessageEntry(BotMessageBody, Stamp):
    """One reply of the assistant."""


class AgentMessageEntry(AgentMessageBody, Stamp):
    """One reply of the agent holding the conversation."""


class StatusEntry(StatusBody, Stamp):
    """The conversation changed hands: bot, queued (with the position), with an agent, closed."""


class HandoffUnavailableEntry(HandoffUnavailableBody, Stamp):
    """No handoff now: nobody online, outside the opening hours, or a long wait (leave a message instead)."""


class CsatRequestEntry(CsatRequestBody, Stamp):
    """The conversation closed: ask the citizen how satisfied they are."""


class EventEntry(EventBody, Stamp):
    """A citizen action recorded so that its ack's seq points at something."""


NewEntry = (
    UserMessageBody | BotMessageBody | AgentMessageBody | StatusBody | HandoffUnavailableBody | CsatRequestBody
    | EventBody
)
TranscriptEntry = (
    UserMessageEntry
    | BotMessageEntry
    | AgentMessageEntry
    | StatusEntry
    | HandoffUnavailableEntry
    | CsatRequestEntry
    | EventEntry
)

# ---- agent -> server ---------------------------------------------------------------------------------------


class AuthFrame(ClientFrame):
    type: Literal["auth"]
    token: Short


class PresenceFrame(ClientFrame):
    """Also sent back to the agent as the confirmation of the change."""

    type: Literal["presence"]
    status: Literal["online", "away"]


class HeartbeatFrame(ClientFrame):
    type: Literal["heartbeat"]


class GetQueueFrame(ClientFrame):
    type: Literal["get_queue"]


class ClaimFrame(ClientFrame):
    type: Literal["claim"]
    conversation_id: Id


class OpenFrame(ClientFrame):
    type: Literal["open"]
    conversation_id: Id
    after_seq: NotRequired[Count]


class AgentMessageFrame(ClientFrame):
    type: Literal["message"]
    conversation_id: Id
    msg_id: Id
    text: Text


class AgentTypingFrame(ClientFrame):
    type: Literal["typing"]
    conversation_id: Id
    active: bool


class ResolveFrame(ClientFrame):
    type: Literal["resolve"]
    conversation_id: Id
    outcome: Outcome
    note: NotRequired[LongText]


class ReturnToBotFrame(ClientFrame):
    type: Literal["return_to_bot"]
    conversation_id: Id


class ListAgentsFrame(ClientFrame):
    type: Literal["list_agents"]


class TransferFrame(ClientFrame):
    """Hand a held chat to another online agent (username ``to``); answered by ``ok`` or an error."""

    type: Literal["transfer"]
    conversation_id: Id
    to: Short


class ListCallbacksFrame(ClientFrame):
    type: Literal["list_callbacks"]


class CallbackDoneFrame(ClientFrame):
    type: Literal["callback_done"]
    callback_id: Id


AgentFrame = (
    AuthFrame | PresenceFrame | HeartbeatFrame | GetQueueFrame | ClaimFrame | OpenFrame | AgentMessageFrame
    | AgentTypingFrame | ResolveFrame | ReturnToBotFrame | ListAgentsFrame | TransferFrame | ListCallbacksFrame
    | CallbackDoneFrame | PingFrame
)


# ---- server -> agent ---------------------------------------------------------------------------------------


class AuthOkFrame(TypedDict):
    type: Literal["auth_ok"]
    agent: AgentInfo
    assigned: list[str]
    heartbeat_s: int
    timeout_s: int


class QueueFrame(TypedDict):
    type: Literal["queue"]
    items: list[QueueItem]
    agents_online: int
    ref: NotRequired[str | None]


class QueueAddedFrame(TypedDict):
    type: Literal["queue_added"]
    item: QueueItem


class QueueRemovedFrame(TypedDict):
    type: Literal["queue_removed"]
    conversation_id: str
    reason: Literal["claimed", "cancelled", "closed", "abandoned"]
    by: NotRequired[str]


class ConversationFrame(TypedDict):
    type: Literal["conversation"]
    conversation_id: str
    state: State | None  # None (and created_at None): a supervisor opened an id that is no conversation
    agent: str | None
    locale: str
    created_at: str | None
    handoff: HandoffPacket | None
    entries: list[TranscriptEntry]
    day_no: int | None
    citizen_present: bool  # a page of the citizen is open (see CitizenPresenceFrame)
    transferred_from: NotRequired[str]  # display name of the colleague who transferred it to this agent
    ref: NotRequired[str | None]


class Colleague(TypedDict):
    username: str
    display_name: str


class AgentsFrame(TypedDict):
    """Answer to ``list_agents``: the other agents online now."""

    type: Literal["agents"]
    items: list[Colleague]
    ref: NotRequired[str | None]


class CitizenPresenceFrame(TypedDict):
    """A held chat's citizen closed the last page, lost the network, or came back."""

    type: Literal["citizen_presence"]
    conversation_id: str
    present: bool


class EntryFrame(TypedDict):
    type: Literal["entry"]
    conversation_id: str
    entry: TranscriptEntry


class ReleasedFrame(TypedDict):
    type: Literal["released"]
    conversation_id: str
    reason: Literal["resolved", "returned_to_bot", "timeout", "reassigned"]


class CallbacksFrame(TypedDict):
    type: Literal["callbacks"]
    items: list[Callback]
    ref: NotRequired[str | None]


class CallbackAddedFrame(TypedDict):
    type: Literal["callback_added"]
    item: Callback


class OkFrame(TypedDict):
    type: Literal["ok"]
    ref: str | None


ServerFrame = (
    StartedFrame | ResumedFrame | AckFrame | TypingOutFrame | QueuePositionFrame | ErrorFrame | PongFrame
    | AuthOkFrame | QueueFrame | QueueAddedFrame | QueueRemovedFrame | ConversationFrame | AgentsFrame
    | CitizenPresenceFrame | EntryFrame | ReleasedFrame | CallbacksFrame | CallbackAddedFrame | OkFrame
    | PresenceFrame
)
