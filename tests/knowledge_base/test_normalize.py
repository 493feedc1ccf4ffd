"""One test per normalisation rule (see knowledge_base/engine/normalize.py)."""

from __future__ import annotations

import pytest

from knowledge_base.engine.normalize import Normalizer, clean, default_normalizer, fold, words


@pytest.fixture(scope="module")
def norm() -> Normalizer:
    return default_normalizer()


def test_diacritics_and_tatweel_are_removed():
    assert fold("كَلِمَةُ المـــرور") == "كلمه المرور"


@pytest.mark.parametrize("src", ["أ", "إ", "آ", "ٱ"])
def test_alef_forms_fold_to_bare_alef(src):
    assert fold(f"{src}قامة") == "اقامه"


def test_alef_maqsura_and_ta_marbuta_fold_for_matching_only():
    assert fold("مستشفى الإعاقة") == "مستشفي الاعاقه"
    assert clean("الإعاقة") == "الإعاقة"  # the encoder still sees the written form


def test_arabic_indic_and_persian_digits_become_ascii():
    assert fold("رقم ١٢٣ و ۴۵۶") == "رقم 123 و 456"


def test_arabic_punctuation_is_handled():
    assert fold("هل،  أستطيع؛ التجديد؟") == "هل, استطيع; التجديد?"
    assert words("هل أستطيع التجديد؟") == ["هل", "استطيع", "التجديد"]


def test_elongation_collapses_but_real_double_letters_stay():
    assert fold("ابغاااااا") == "ابغا"
    assert fold("تغيير") == "تغيير"


def test_latin_is_lowercased():
    assert fold("Reset PASSWORD") == "reset password"


def test_light_stemming_strips_articles_and_suffixes(norm):
    assert norm.stem("والموظفين") == "موظف"
    assert norm.stem("للعمال") == "عمال"
    assert norm.stem("حسابها") == "حساب"
    assert norm.stem("رسوم") == "رسوم"  # nothing to strip
    assert norm.stem("في") == "في"  # too short to strip


def test_gulf_words_map_to_msa_and_function_words_drop(norm):
    assert norm.lex_tokens("ابغى اجدد الاقامة حقتي") == norm.lex_tokens("أريد أجدد الإقامة")
    assert norm.lex_tokens("وين مكتب العمل") == norm.lex_tokens("أين مكتب العمل")
    assert norm.lex_tokens("كيف اسوي حساب") == ["حساب"]


def test_gulf_phrases_map_before_words(norm):
    assert norm.lex_tokens("شغالة") == norm.lex_tokens("عاملة منزلية")


def test_char_grams_mark_word_edges(norm):
    grams = norm.char_grams("رسوم")
    assert "#رس" in grams and "وم#" in grams and "رسوم" in grams


def test_version_changes_when_a_data_file_changes(tmp_path, norm):
    for f in norm_data_files():
        (tmp_path / f.name).write_bytes(f.read_bytes())
    same = Normalizer(tmp_path)
    assert same.version == norm.version
    with (tmp_path / "dialect.yaml").open("a", encoding="utf-8") as fh:
        fh.write("  دشره: خروج\n")
    edited = Normalizer(tmp_path)
    assert edited.version != norm.version
    assert edited.lex_tokens("دشره") == ["خروج"]


def norm_data_files():
    from knowledge_base.engine.normalize import DATA_DIR, DATA_FILES

    return [DATA_DIR / f for f in DATA_FILES]
