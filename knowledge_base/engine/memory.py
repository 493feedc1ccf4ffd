"""Give the memory of index builds back to the operating system (glibc only; a no-op elsewhere).

Building an index allocates large short-lived numpy arrays (the char-gram postings alone are ~4M
tokens at 10k entries). glibc raises its mmap threshold each time such an array is freed, so the next
ones come from the heap and stay resident after they are freed: a 10k-entry index held ~430 MB
instead of ~240 MB, and a live rebuild next to the serving index peaked past 600 MB. Pinning the
threshold keeps big arrays on mmap (returned on free); trimming after a build returns the rest.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import lru_cache

M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_BYTES = 256 * 1024


@lru_cache(maxsize=1)
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name or "libc.so.6")
        libc.mallopt, libc.malloc_trim  # noqa: B018 - glibc only: musl/macOS lack them
    except (OSError, AttributeError):
        return None
    return libc


@lru_cache(maxsize=1)
def pin_mmap_threshold() -> bool:
    """Once per process: arrays above 256 KB are mmapped and returned to the OS when freed."""
    libc = _libc()
    return bool(libc and libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES))


def release_freed_memory() -> None:
    """Return the heap's free pages to the OS (after a build, when the temporaries are gone)."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
