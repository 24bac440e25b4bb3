import pytest

from bot.nlp.text_features import concept_tokens, non_latin_share, normalise, prepare


def test_normalise_folds_case_accents_units_and_numbers():
    assert normalise("Bilirubin 34 µmol/L") == "bilirubin 00 umol/l"
    assert normalise("CRYOABLATION – Größe 2,5 cm") == "cryoablation - grosse 0,0 cm"
    assert normalise("  many   spaces ") == "many spaces"


@pytest.mark.parametrize(
    "words, concept",
    [
        (["freezing"], "__cryo__"),
        (["frozen"], "__cryo__"),
        (["ice"], "__cryo__"),
        (["radiofrequency"], "__rfa__"),
        (["price"], "__money__"),
        (["jaundice"], "__bilirubin__"),
        (["mets"], "__spread__"),
    ],
)
def test_lay_words_share_a_concept_token(words, concept):
    assert concept in concept_tokens(words)


def test_prepare_adds_concepts_without_losing_words():
    prepared = prepare("How much does the freezing cost?")
    assert prepared.startswith("how much does the freezing cost?")
    assert "__cryo__" in prepared and "__money__" in prepared


def test_non_latin_share():
    assert non_latin_share("我父亲有肝癌") == 1.0
    assert non_latin_share("hello 123") == 0.0
    assert non_latin_share("123 !!") == 0.0
    assert non_latin_share("liver 肝癌 cancer") == pytest.approx(2 / 13)
