"""Pure helpers of bot.nlp.labs.units: numbers, units, conversions (no pipeline)."""

import pytest

from bot.nlp.labs import units as U


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("1,20,000", 120000.0),  # Indian grouping
        ("12,50,000", 1250000.0),
        ("120,000", 120000.0),  # Western grouping
        ("1,200", 1200.0),
        ("1,2", 1.2),  # European decimal comma
        ("34,2", 34.2),
        ("0,800", 0.8),  # a lone zero is never followed by a thousands group
        ("1.2", 1.2),
        (".8", 0.8),
        ("150 000", 150000.0),  # French/Swiss grouping
        ("150'000", 150000.0),
        ("-2", -2.0),  # absurd values are kept as typed
        ("abc", None),
        ("", None),
    ],
)
def test_parse_number_reads_every_way_a_number_is_typed(raw, expected):
    assert U.parse_number(raw) == expected


def test_dot_thousands_only_for_groups_of_three():
    assert U.dot_thousands_value("150.000") == 150000.0
    assert U.dot_thousands_value("1.500.000") == 1500000.0
    assert U.dot_thousands_value("1.5") is None


@pytest.mark.parametrize(
    "word, count",
    [("two", 2), ("Three", 3), ("single", 1), ("solitary", 1), ("ten", 10), ("4", 4)],
)
def test_count_words(word, count):
    assert U.parse_count_word(word) == count


@pytest.mark.parametrize("word", ["multiple", "several", "many", "lesion", ""])
def test_words_without_a_count(word):
    assert U.parse_count_word(word) is None


def test_normalise_text_keeps_length_and_maps_lookalikes():
    text = "TBIL 34.2 μmol/L, PLT ٦٥ ×10⁹/L, ALB ٣٥ g/L"
    normalised = U.normalise_text(text)
    assert len(normalised) == len(text)
    assert normalised == "TBIL 34.2 umol/L, PLT 65 x10⁹/L, ALB 35 g/L"


def test_normalise_text_maps_micro_sign_and_greek_mu_alike():
    assert U.normalise_text("µmol") == U.normalise_text("μmol") == "umol"


@pytest.mark.parametrize(
    "raw, unit",
    [
        ("mg/dl", U.MG_DL),
        ("mg/dL", U.MG_DL),
        ("mg%", U.MG_DL),
        ("mg per dl", U.MG_DL),
        ("µmol/L", U.UMOL_L),
        ("μmol/L", U.UMOL_L),  # Greek mu
        ("umol/l", U.UMOL_L),
        ("micromol/l", U.UMOL_L),
        ("µmol/l", U.UMOL_L),
        ("umol", U.UMOL_L),
        ("g/dl", U.G_DL),
        ("gm/dl", U.G_DL),
        ("g/L", U.G_L),
        ("/µL", U.PER_UL),
        ("/uL", U.PER_UL),
        ("/mm3", U.PER_UL),
        ("/cumm", U.PER_UL),
        ("/cu mm", U.PER_UL),
        ("per microlitre", U.PER_UL),
        ("×10^9/L", U.E9_L),
        ("x10^9/L", U.E9_L),
        ("10^9/L", U.E9_L),
        ("x 10^9/l", U.E9_L),
        ("×10⁹/L", U.E9_L),
        ("10*9/L", U.E9_L),
        ("x109/L", U.E9_L),  # superscript lost in a copy-paste
        ("/nl", U.E9_L),
        ("×10³/µL", U.E3_UL),
        ("10^3/uL", U.E3_UL),
        ("x 10 3/uL", U.E3_UL),
        ("10^4/µL", U.E4_UL),
        ("K/uL", U.THOUSAND),
        ("k", U.THOUSAND),
        ("thousand", U.THOUSAND),
        ("lakh", U.LAKH),
        ("lakhs", U.LAKH),
        ("lac", U.LAKH),
        ("lakhs/cumm", U.LAKH),
        ("cm", U.CM),
        ("cms", U.CM),
        ("centimetres", U.CM),
        ("mm", U.MM),
        ("millimeters", U.MM),
        ("U/L", U.OTHER),
        ("ng/ml", U.OTHER),
        ("mmol/L", U.OTHER),
        ("years", U.OTHER),
    ],
)
def test_identify_unit(raw, unit):
    assert U.identify_unit(raw) == unit


@pytest.mark.parametrize("raw", ["kg", "lesions", "1", "mm3x"])
def test_identify_unit_rejects_what_is_not_one_of_ours(raw):
    assert U.identify_unit(raw) not in (U.THOUSAND, U.MM, U.LAKH, U.PER_UL)


def test_match_unit_reads_a_unit_in_brackets_after_the_number():
    text = U.normalise_text("34 (µmol/L) and more")
    unit, start, end = U.match_unit(text, 2)
    assert unit == U.UMOL_L
    assert text[start:end] == "umol/L)"


@pytest.mark.parametrize(
    "value, unit, expected",
    [
        (34, U.UMOL_L, 1.99),
        (51, U.UMOL_L, 2.98),
        (17.1, U.UMOL_L, 1.0),
        (2.3, U.MG_DL, 2.3),
        (2.3, U.MG, 2.3),
    ],
)
def test_bilirubin_conversion(value, unit, expected):
    assert U.bilirubin_to_mg_dl(value, unit) == expected


@pytest.mark.parametrize("value", [0.8, 2.3, 34, 51, 120])
def test_bilirubin_without_unit_is_never_guessed(value):
    assert U.bilirubin_to_mg_dl(value, None) is None


def test_bilirubin_with_another_tests_unit_is_not_converted():
    assert U.bilirubin_to_mg_dl(3.5, U.G_DL) is None


@pytest.mark.parametrize(
    "value, unit, expected",
    [
        (31, U.G_L, 3.1),
        (3.1, U.G_DL, 3.1),
        (3.1, None, 3.1),  # bare < 10: g/dL
        (35, None, 3.5),  # bare >= 10: g/L
        (10, None, 1.0),
        (9.9, None, 9.9),
    ],
)
def test_albumin_conversion(value, unit, expected):
    assert U.albumin_to_g_dl(value, unit) == expected


@pytest.mark.parametrize(
    "value, unit, raw, expected",
    [
        (65, U.E9_L, None, 65000),
        (150, U.G_L, None, 150000),  # giga per litre
        (95, U.E3_UL, None, 95000),
        (80, U.THOUSAND, None, 80000),
        (1.2, U.LAKH, None, 120000),
        (0.8, U.LAKH, None, 80000),
        (12, U.E4_UL, None, 120000),
        (120000, U.PER_UL, None, 120000),
        (150.0, U.PER_UL, "150.000", 150000),  # dot as thousands separator
        (120000, None, None, 120000),  # bare >= 1000: per µL
        (1000, None, None, 1000),
        (999, None, None, 999000),  # bare < 1000: ×10^9/L
        (80, None, None, 80000),
        (1.5, U.L_BARE, None, 150000),  # "1.5L" on an Indian report
    ],
)
def test_platelet_conversion(value, unit, raw, expected):
    result = U.platelets_to_per_ul(value, unit, raw)
    assert result == expected
    assert isinstance(result, int)


def test_platelets_with_another_tests_unit_are_not_converted():
    assert U.platelets_to_per_ul(3.5, U.MG_DL) is None
    assert U.platelets_to_per_ul(150, U.L_BARE) is None


def test_lengths():
    assert U.length_to_cm(28, U.MM) == 2.8
    assert U.length_to_cm(4.2, U.CM) == 4.2
    assert U.length_to_cm(3, None) is None
    assert U.length_to_mm(4, U.MM) == 4
    assert isinstance(U.length_to_mm(4, U.MM), int)
    assert U.length_to_mm(1, U.CM) == 10
    assert U.length_to_mm(0.5, U.CM) == 5
    assert U.length_to_mm(4.5, U.MM) == 4.5
    assert U.length_to_mm(4, None) is None


def test_rounding_helpers():
    assert U.round2(1.98830) == 1.99
    assert U.whole_or_float(4.0) == 4 and isinstance(U.whole_or_float(4.0), int)
    assert U.whole_or_float(4.456) == 4.46
