"""Prometheus metrics of one gateway app (own registry, so several apps can live in one test process)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.connections = Gauge("handoff_ws_connections", "Open websockets", ["kind"], registry=r)
        self.messages = Counter("handoff_messages_total", "Transcript messages stored", ["source"], registry=r)
        self.queue_length = Gauge("handoff_queue_length", "Conversations waiting for an agent", registry=r)
        self.agents_online = Gauge("handoff_agents_online", "Agents online (heard within the timeout)", registry=r)
        self.wait_to_pickup = Histogram(
            "handoff_wait_to_pickup_seconds", "Time from handoff to an agent's claim",
            buckets=(5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600), registry=r,
        )
        self.handoffs = Counter("handoff_handoffs_total", "Conversations queued for an agent", ["reason"], registry=r)
        self.unavailable = Counter(
            "handoff_unavailable_total", "Handoffs refused: no agents or outside hours", ["reason"], registry=r
        )
        self.requeued = Counter("handoff_requeued_total", "Conversations requeued after agent timeout", registry=r)
        self.abandoned = Counter("handoff_abandoned_total", "Queued citizens who left (no page open)", registry=r)
        self.resolved = Counter("handoff_resolved_total", "Conversations resolved by agents", ["outcome"], registry=r)
        self.csat = Counter("handoff_csat_total", "CSAT answers", ["score"], registry=r)
        self.feedback = Counter(
            "handoff_feedback_total", "Answers rated by citizens (was it helpful? up/down), once per answer",
            ["value"], registry=r,
        )
        for value in ("up", "down"):  # both series exist from the start: a ratio needs its zero
            self.feedback.labels(value)
        self.callbacks = Counter("handoff_callbacks_total", "Leave-a-message / callback requests", registry=r)
        self.rejected = Counter("handoff_frames_rejected_total", "Frames refused", ["code"], registry=r)
        self.rasa_errors = Counter("handoff_rasa_errors_total", "Failed calls to Rasa", registry=r)
        self.relay_seconds = Histogram(
            "handoff_bot_turn_seconds", "Time Rasa took to answer a citizen message",
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10), registry=r,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
