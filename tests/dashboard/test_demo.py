"""The demo history generator: every event keeps the analytics contract, comments are masked, history
ends before now and shows the improvement the profile describes (deterministic for a seed)."""

from __future__ import annotations

import re
import typing
from collections import Counter
from datetime import UTC, datetime

import pytest

from analytics import demo
from analytics.events import EVENT_TYPES, check, parse_at

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def events() -> list[dict]:
    return list(demo.generate(60, NOW, seed=7))


def test_every_event_keeps_the_contract(events) -> None:
    for event in events:
        check(event)
        fields = typing.get_type_hints(EVENT_TYPES[event["type"]])
        assert set(fields) <= set(event), (event["type"], set(fields) - set(event))
    assert len({e["id"] for e in events}) == len(events)
    assert max(parse_at(e["at"]) for e in events) < NOW
    assert set(Counter(e["type"] for e in events)) == set(EVENT_TYPES)


def test_comments_are_masked_and_services_are_real_corpus_files(events) -> None:
    comments = [e["comment"] for e in events if e["type"] == "csat.submitted" and e["comment"]]
    assert comments and not any(re.search(r"05\d{8}", c) for c in comments)
    assert any("[" in c for c in comments)  # the masker's placeholder where a number was
    services = {e["service"] for e in events if e["type"] == "conversation.started"}
    assert services <= set(demo.corpus())


def test_history_improves_and_is_deterministic(events) -> None:
    def answered_share(part: list[dict]) -> float:
        started = sum(e["type"] == "conversation.started" for e in part)
        return sum(e["type"] == "bot.decision" and e["decision"] == "answer" for e in part) / started

    third = len(events) // 3
    assert answered_share(events[-third:]) > answered_share(events[:third]) + 0.03  # profile: +0.12 over the period
    again = list(demo.generate(60, NOW, seed=7))
    strip = [{k: v for k, v in e.items() if k != "id"} for e in again]
    assert strip == [{k: v for k, v in e.items() if k != "id"} for e in events]


def test_days_must_be_positive() -> None:
    with pytest.raises(demo.DemoError):
        list(demo.generate(0, NOW))


def test_recent_quarters_match_known_boundaries() -> None:
    from datetime import date

    from handoff.dashboard_query import recent_quarters

    quarters = {q["id"]: q for q in recent_quarters(date(2026, 12, 5))}
    assert (quarters["2026-Q4"]["from"], quarters["2026-Q4"]["to"]) == ("2026-10-01", "2026-12-31")
    # 1 Muharram 1448 is 16 June 2026 in the Umm al-Qura calendar: Q1 of 1448 starts there, Q4 of 1447 ends
    # the day before; the picker offers the current Hijri quarter (Q2: Rabi' al-Thani to Jumada al-Akhirah).
    assert quarters["1448-Q1"]["from"] == "2026-06-16" and quarters["1447-Q4"]["to"] == "2026-06-15"
    assert quarters["1448-Q2"]["from"] <= "2026-12-05" <= quarters["1448-Q2"]["to"]
