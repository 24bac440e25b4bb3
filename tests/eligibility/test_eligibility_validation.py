"""assess() rejects impossible values with a ValueError naming the field."""

import pytest

from bot.eligibility import InvalidValueError, assess

BASE = {
    "diagnosis": "hcc",
    "lesion_count": 1,
    "max_lesion_cm": 2.0,
    "child_pugh": "A5",
    "bilirubin_mg_dl": 1.0,
    "platelets_per_ul": 100000,
}

INVALID = [
    ("lesion_count", 0),
    ("lesion_count", -1),
    ("lesion_count", 2.5),
    ("lesion_count", "two"),
    ("lesion_count", True),
    ("max_lesion_cm", -2.0),
    ("max_lesion_cm", 0),
    ("max_lesion_cm", float("nan")),
    ("max_lesion_cm", float("inf")),
    ("max_lesion_cm", "3 cm"),
    ("bilirubin_mg_dl", -0.5),
    ("bilirubin_mg_dl", "1.2"),
    ("bilirubin_mg_dl", float("-inf")),
    ("platelets_per_ul", -100),
    ("platelets_per_ul", False),
    ("platelets_per_ul", "lots"),
    ("platelets_per_ul", [100000]),
    ("bile_duct_distance_mm", -1),
    ("bile_duct_distance_mm", float("nan")),
    ("child_pugh", "A7"),
    ("child_pugh", "D5"),
    ("child_pugh", "B10"),
    ("child_pugh", "good"),
    ("child_pugh", 7),
    ("diagnosis", "lung"),
    ("diagnosis", 1),
    ("bclc_stage", "E"),
    ("bclc_stage", "1"),
    ("bclc_stage", 1),
    ("albumin_g_dl", -3.0),
    ("inr", "normal"),
    ("ascites", "some"),
    ("encephalopathy", "grade 5"),
]


@pytest.mark.parametrize(("field", "value"), INVALID)
def test_impossible_value_raises_naming_the_field(field, value):
    with pytest.raises(ValueError, match=field) as excinfo:
        assess({**BASE, field: value})
    assert isinstance(excinfo.value, InvalidValueError)
    assert excinfo.value.field == field


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("lesion_count", 2.0),  # a float slot holding a whole number
        ("bilirubin_mg_dl", 0),
        ("platelets_per_ul", 0),
        ("bile_duct_distance_mm", 0),
        ("bclc_stage", 0),
        ("bclc_stage", " a "),
        ("diagnosis", "HCC"),
    ],
)
def test_possible_edge_values_are_accepted(field, value):
    assess({**BASE, field: value})


def test_invalid_value_raises_even_when_other_facts_are_missing():
    with pytest.raises(ValueError, match="platelets_per_ul"):
        assess({"platelets_per_ul": -5})


def test_facts_must_be_a_mapping():
    with pytest.raises(TypeError):
        assess([("diagnosis", "hcc")])  # type: ignore[arg-type]
