"""YAML for word lists: `no`, `yes`, `on`, `off`, `y`, `n` stay words.

PyYAML follows YAML 1.1, where those bare words are booleans: the English negation `no` in
`data/person_request.yaml` was read as False (then "false"), and `yes`/`no` in `data/chitchat.yaml` as
True/False, so none of them ever matched a citizen's message. Only `true`/`false` (YAML 1.2's booleans)
are still read as booleans here.
"""

from __future__ import annotations

import re
from typing import Any

import yaml


class WordLoader(yaml.SafeLoader):  # type: ignore[misc]  # PyYAML ships no type hints
    """SafeLoader whose implicit booleans are YAML 1.2's only."""


WordLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
WordLoader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                                 list("tTfF"))


def load(text: str | bytes) -> Any:
    return yaml.load(text, Loader=WordLoader)  # noqa: S506 - a SafeLoader subclass
