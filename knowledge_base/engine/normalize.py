"""Arabic normalisation for matching (rules documented in docs/knowledge_base.md, tested one by one).

`fold`   : the matching form: diacritics and tatweel removed; أ إ آ ٱ → ا; ى → ي; ة → ه; ؤ → و; ئ → ي;
           Arabic-Indic and Persian digits → ASCII; Arabic punctuation (؟ ، ؛) → ASCII; letters repeated
           three times or more collapsed to one ("ابغاااا" → "ابغا"); Latin lower-cased.
`clean`  : the text given to the encoder: the same minus the letter folding (the model knows hamza).
`lex_tokens`: fold → words → dialect phrases/words → stopwords → light stemming (data/*.yaml).
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path

from knowledge_base.engine import yamltext

CODE_VERSION = "1"
DATA_DIR = Path(__file__).resolve().parents[1] / "data"
DATA_FILES = ("dialect.yaml", "dialect_general.yaml", "stopwords.yaml", "affixes.yaml", "arabizi.yaml")

_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_LETTER_MAP = {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي"}
_DIGIT_MAP = dict(zip("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789", strict=True))
_PUNCT_MAP = {"؟": "?", "،": ",", "؛": ";", "٪": "%", "«": '"', "»": '"'}
_CLEAN = str.maketrans({**_DIGIT_MAP, **_PUNCT_MAP, "\u0640": ""})
_FOLD = str.maketrans({**_DIGIT_MAP, **_PUNCT_MAP, **_LETTER_MAP, "\u0640": ""})
_ELONGATION = re.compile(r"(\D)\1{2,}")
_WORD = re.compile(r"[\w']+")
_SPACES = re.compile(r"\s+")


def _strip(text: str, table: dict[int, str]) -> str:
    t = _DIACRITICS.sub("", text).translate(table)
    return _SPACES.sub(" ", _ELONGATION.sub(r"\1", t)).strip()


def clean(text: str) -> str:
    """Encoder-side normalisation: no diacritics/tatweel, ASCII digits and punctuation, no elongation."""
    return _strip(text, _CLEAN)


def fold(text: str) -> str:
    """Matching form (see module docstring)."""
    return _strip(text, _FOLD).lower()


def words(text: str) -> list[str]:
    """Folded word tokens (punctuation dropped; the "_" of \\w is treated as a separator)."""
    return [w.strip("'") for w in _WORD.findall(fold(text).replace("_", " ")) if w.strip("'")]


def is_arabic(word: str) -> bool:
    return any("\u0600" <= c <= "\u06ff" for c in word)


class Normalizer:
    """Lexical analysis driven by the data files; `version` changes whenever a data file changes."""

    def __init__(self, data_dir: Path = DATA_DIR) -> None:
        raw = {name: (data_dir / name).read_bytes() for name in DATA_FILES}
        digest = hashlib.sha256(b"".join(raw[n] for n in DATA_FILES)).hexdigest()[:12]
        self.version = f"{CODE_VERSION}-{digest}"
        data = {n: yamltext.load(raw[n]) for n in DATA_FILES}
        # dialect.yaml: the service vocabulary; dialect_general.yaml: everyday Gulf and English words
        # for situations (lost, broke, postponed, ...), general language data written apart from any
        # evaluation set. The first file wins on a shared key.
        dia = [data["dialect_general.yaml"], data["dialect.yaml"]]
        self.phrases = sorted({fold(k): fold(v or "") for d in dia for k, v in d["phrases"].items()}.items(),
                              key=lambda kv: -len(kv[0]))
        self.word_map = {fold(k): fold(v or "") for d in dia for k, v in d["words"].items()}
        self.stopwords = set(words(data["stopwords.yaml"]["words"]))
        aff = data["affixes.yaml"]
        self.min_stem = int(aff["min_stem"])
        self.waw = fold(aff["waw_prefix"])
        self.prefixes = sorted((fold(p) for p in aff["prefixes"]), key=len, reverse=True)
        self.suffixes = [fold(s) for s in aff["suffixes"]]
        self.arabizi = data["arabizi.yaml"]
        self._stems: dict[str, str] = {}
        self._grams: dict[str, list[str]] = {}

    def dialect(self, toks: list[str]) -> list[str]:
        """Replace dialect phrases (longest first) then words by their MSA equivalents."""
        text = " " + " ".join(toks) + " "
        for src, dst in self.phrases:
            text = text.replace(f" {src} ", f" {dst} " if dst else " ")
        out = []
        for w in text.split():
            m = self.word_map.get(w, w)
            out.extend(m.split())
        return out

    def stem(self, w: str) -> str:
        out = self._stems.get(w)
        if out is None:
            out = self._stems[w] = self._stem(w)
        return out

    def _stem(self, w: str) -> str:
        if not is_arabic(w):
            return w
        if w.startswith(self.waw) and len(w) > 3:
            w = w[len(self.waw):]
        for p in self.prefixes:
            if w.startswith(p) and len(w) - len(p) >= self.min_stem:
                w = w[len(p):]
                break
        for s in self.suffixes:
            if w.endswith(s) and len(w) - len(s) >= self.min_stem:
                w = w[: -len(s)]
        return w

    def word_grams(self, w: str) -> list[str]:
        """Character 3- and 4-grams of one word, "#" marking its edges (memoised)."""
        out = self._grams.get(w)
        if out is None:
            w2 = f"#{w}#"
            out = self._grams[w] = [w2[i : i + k] for k in (3, 4) for i in range(max(1, len(w2) - k + 1))]
        return out

    def analyse(self, text: str) -> tuple[list[str], list[str]]:
        """(lex_tokens, char_grams) of one text, sharing the folding and dialect pass."""
        return self.analyse_words(words(text))

    def analyse_words(self, ws: list[str]) -> tuple[list[str], list[str]]:
        """`analyse` for text already split by `words`."""
        content = [w for w in self.dialect(ws) if w not in self.stopwords and len(w) > 1]
        return [self.stem(w) for w in content], [g for w in content for g in self.word_grams(w)]

    def char_grams(self, text: str) -> list[str]:
        """Character 3- and 4-grams of each content word: robust to typos and to the verb/noun forms
        that light stemming cannot join (اجدد / تجديد)."""
        return self.analyse(text)[1]

    def lex_tokens(self, text: str) -> list[str]:
        """Tokens for BM25: folded, dialect-mapped, stopwords removed, light-stemmed."""
        return self.analyse(text)[0]


@lru_cache(maxsize=1)
def default_normalizer() -> Normalizer:
    return Normalizer()
