"""Child-Pugh: parsing of given values, points per component, class and score."""

import pytest

from bot.eligibility import child_pugh, child_pugh_points, parse_child_pugh

NORMAL = {
    "bilirubin_mg_dl": 1.0,
    "albumin_g_dl": 4.0,
    "inr": 1.0,
    "ascites": "none",
    "encephalopathy": "none",
}


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("B7", "B7"),
        ("b7", "B7"),
        (" B 7 ", "B7"),
        ("A5", "A5"),
        ("a6", "A6"),
        ("C15", "C15"),
        ("c 10", "C10"),
        ("B", "B"),
        (" a ", "A"),
        ("c", "C"),
    ],
)
def test_parse_child_pugh(given, expected):
    assert parse_child_pugh(given) == expected


@pytest.mark.parametrize(
    "given", ["A7", "A4", "B6", "B10", "C9", "C16", "D5", "Z", "B7x", "7", "", "AB"]
)
def test_parse_child_pugh_rejects_impossible_values(given):
    with pytest.raises(ValueError, match="child_pugh"):
        parse_child_pugh(given)


# (component, value, points): both sides of every boundary of the spec table.
COMPONENT_BOUNDARIES = [
    ("bilirubin_mg_dl", 1.99, 1),
    ("bilirubin_mg_dl", 2.0, 2),
    ("bilirubin_mg_dl", 3.0, 2),
    ("bilirubin_mg_dl", 3.01, 3),
    ("albumin_g_dl", 3.51, 1),
    ("albumin_g_dl", 3.5, 2),
    ("albumin_g_dl", 2.8, 2),
    ("albumin_g_dl", 2.79, 3),
    ("inr", 1.69, 1),
    ("inr", 1.7, 2),
    ("inr", 2.3, 2),
    ("inr", 2.31, 3),
    ("ascites", "none", 1),
    ("ascites", "mild", 2),
    ("ascites", "moderate", 3),
    ("ascites", "severe", 3),
    ("ascites", " Mild ", 2),
    ("encephalopathy", "none", 1),
    ("encephalopathy", "mild", 2),
    ("encephalopathy", "severe", 3),
]


@pytest.mark.parametrize(("component", "value", "points"), COMPONENT_BOUNDARIES)
def test_component_points(component, value, points):
    result = child_pugh_points(**{**NORMAL, component: value})
    assert result[component] == points
    assert result["total"] == 4 + points


def test_spec_example():
    kwargs = {
        "bilirubin_mg_dl": 1.8,
        "albumin_g_dl": 3.1,
        "inr": 1.5,
        "ascites": "mild",
        "encephalopathy": "none",
    }
    assert child_pugh(**kwargs) == "B7"
    assert child_pugh_points(**kwargs) == {
        "bilirubin_mg_dl": 1,
        "albumin_g_dl": 2,
        "inr": 1,
        "ascites": 2,
        "encephalopathy": 1,
        "total": 7,
    }


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, "A5"),
        ({"inr": 1.7}, "A6"),
        ({"inr": 1.7, "ascites": "mild"}, "B7"),
        ({"inr": 1.7, "ascites": "mild", "encephalopathy": "mild"}, "B8"),
        ({"inr": 2.4, "ascites": "mild", "encephalopathy": "mild"}, "B9"),
        ({"inr": 2.4, "ascites": "severe", "encephalopathy": "mild"}, "C10"),
        (
            {
                "bilirubin_mg_dl": 4.0,
                "albumin_g_dl": 2.0,
                "inr": 3.0,
                "ascites": "severe",
                "encephalopathy": "severe",
            },
            "C15",
        ),
    ],
)
def test_class_and_score(changes, expected):
    assert child_pugh(**{**NORMAL, **changes}) == expected


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("bilirubin_mg_dl", -1.0),
        ("bilirubin_mg_dl", "high"),
        ("albumin_g_dl", float("nan")),
        ("albumin_g_dl", -0.1),
        ("inr", float("inf")),
        ("inr", 0),
        ("inr", True),
        ("ascites", "lots"),
        ("ascites", None),
        ("encephalopathy", "grade 5"),
        ("encephalopathy", 2),
    ],
)
def test_invalid_components_name_the_field(field, value):
    with pytest.raises(ValueError, match=field):
        child_pugh(**{**NORMAL, field: value})
