"""An uploaded file for the editor's imports (FAQ entries, labelled questions): multipart field `file` or the
raw body, at most MAX_IMPORT_BYTES, its format from `?format=` or the file name, and the `dry_run` flag."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from handoff.editor import common as c
from handoff.http_errors import http_error, too_large
from knowledge_base.faqs.importexport import FORMATS, MAX_IMPORT_BYTES, ImportFormatError, ImportTooLarge
from knowledge_base.faqs.validation import FieldError

TOO_BIG = f"the file is over {MAX_IMPORT_BYTES} bytes; split it into smaller files"


def fmt(request: web.Request, default: str | None = None) -> str:
    value = request.query.get("format") or default or ""
    if value not in FORMATS:
        raise c.invalid([FieldError("format", "required")])
    return value


def dry_run(request: web.Request) -> bool:
    """A dry run unless the caller says otherwise: an import is previewed before it is applied."""
    return request.query.get("dry_run", "1").lower() not in ("0", "false", "no")


def refused(exc: ImportFormatError) -> web.HTTPException:
    """413 for a file over one of the import limits, 422 for one that cannot be read."""
    if isinstance(exc, ImportTooLarge):
        return too_large(str(exc), exc.limit)
    return http_error(web.HTTPUnprocessableEntity, "bad_file", str(exc))


async def file_of(request: web.Request) -> tuple[bytes, str]:
    """The uploaded bytes and their format; 413 past the size limit, 422 without a file or a known format."""
    if (request.content_length or 0) > MAX_IMPORT_BYTES + 64 * 1024:  # multipart framing is not file
        raise too_large(TOO_BIG, MAX_IMPORT_BYTES)
    data, suffix = await _upload(request)
    return data, fmt(request, suffix)


async def _upload(request: web.Request) -> tuple[bytes, str | None]:
    """The file from a multipart form field ``file`` or the raw body; and its suffix if named."""
    if request.content_type.startswith("multipart/"):
        reader = await request.multipart()
        async for part in reader:
            if getattr(part, "name", None) == "file":
                data = await _read_part(part)
                name = getattr(part, "filename", None) or ""
                return data, name.rsplit(".", 1)[-1].lower() if "." in name else None
        raise c.invalid([FieldError("file", "required")])
    return await _read_limited(request), None


async def _read_part(part: Any) -> bytes:
    """A multipart file up to MAX_IMPORT_BYTES: part.read() would apply the app's 64 KiB chat-frame limit
    (client_max_size) and answer it in plain text."""
    chunks, size = [], 0
    while chunk := await part.read_chunk(64 * 1024):
        size += len(chunk)
        if size > MAX_IMPORT_BYTES:
            raise too_large(TOO_BIG, MAX_IMPORT_BYTES)
        chunks.append(chunk)
    return b"".join(chunks)


async def _read_limited(request: web.Request) -> bytes:
    """The raw body up to MAX_IMPORT_BYTES (the gateway's client_max_size is for chat frames, not files)."""
    chunks, size = [], 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > MAX_IMPORT_BYTES:
            raise too_large(TOO_BIG, MAX_IMPORT_BYTES)
        chunks.append(chunk)
    return b"".join(chunks)
