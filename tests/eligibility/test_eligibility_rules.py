"""Boundaries, outcome order, missing fields and Milan of spec/eligibility.md."""

import pytest

from bot.eligibility import (
    INCOMPLETE,
    LIKELY_SUITABLE,
    NEEDS_REVIEW,
    RULES_VERSION,
    UNLIKELY_SUITABLE,
    assess,
)

# Every value within the preferred ranges; a 2 cm single HCC is also within Milan.
BASE = {
    "diagnosis": "hcc",
    "lesion_count": 1,
    "max_lesion_cm": 2.0,
    "child_pugh": "A5",
    "bilirubin_mg_dl": 1.0,
    "platelets_per_ul": 100000,
}


def facts(**changes):
    merged = {**BASE, **changes}
    return {k: v for k, v in merged.items() if v is not None}


def test_spec_example_is_likely_suitable():
    result = assess(
        {
            "diagnosis": "hcc",
            "lesion_count": 2,
            "max_lesion_cm": 2.5,
            "child_pugh": "A6",
            "bilirubin_mg_dl": 1.1,
            "platelets_per_ul": 120000,
            "bile_duct_distance_mm": 8,
            "bclc_stage": "A",
        }
    )
    assert result.outcome == LIKELY_SUITABLE
    assert result.flags == {"within_milan"}
    assert result.missing == []
    assert result.reasons == []
    assert result.rules_version == RULES_VERSION


# (changes to BASE, expected outcome, flag expected to be raised or None)
BOUNDARIES = [
    # lesion_count: 1-3 preferred, more than 3 -> staged sessions
    ({"lesion_count": 3, "max_lesion_cm": 2.0}, LIKELY_SUITABLE, None),
    ({"lesion_count": 4, "max_lesion_cm": 2.0}, NEEDS_REVIEW, "staged_sessions"),
    # max_lesion_cm: <= 5 preferred, > 5 large lesion
    ({"max_lesion_cm": 5.0}, LIKELY_SUITABLE, "multi_probe"),
    ({"max_lesion_cm": 5.01}, NEEDS_REVIEW, "large_lesion"),
    # max_lesion_cm: <= 3 optimal, > 3 and <= 5 multi-probe (outcome unchanged)
    ({"max_lesion_cm": 3.0}, LIKELY_SUITABLE, None),
    ({"max_lesion_cm": 3.01}, LIKELY_SUITABLE, "multi_probe"),
    # bilirubin: < 2 preferred
    ({"bilirubin_mg_dl": 1.99}, LIKELY_SUITABLE, None),
    ({"bilirubin_mg_dl": 2.0}, NEEDS_REVIEW, "hepatic_reserve"),
    # platelets: > 50,000 preferred
    ({"platelets_per_ul": 50001}, LIKELY_SUITABLE, None),
    ({"platelets_per_ul": 50000}, NEEDS_REVIEW, "platelet_transfusion"),
    # bile duct distance: > 5 mm preferred
    ({"bile_duct_distance_mm": 5.01}, LIKELY_SUITABLE, None),
    ({"bile_duct_distance_mm": 5}, NEEDS_REVIEW, "biliary_protection"),
    ({"bile_duct_distance_mm": 0}, NEEDS_REVIEW, "biliary_protection"),
    # BCLC
    ({"bclc_stage": "0"}, LIKELY_SUITABLE, None),
    ({"bclc_stage": "A"}, LIKELY_SUITABLE, None),
    ({"bclc_stage": "B"}, NEEDS_REVIEW, "tace_combination"),
    ({"bclc_stage": "C"}, UNLIKELY_SUITABLE, "outside_indication"),
    ({"bclc_stage": "D"}, UNLIKELY_SUITABLE, "outside_indication"),
    # diagnosis
    ({"diagnosis": "metastasis", "child_pugh": None}, LIKELY_SUITABLE, None),
    ({"diagnosis": "other", "child_pugh": None}, NEEDS_REVIEW, "other_diagnosis"),
]


@pytest.mark.parametrize(("changes", "outcome", "flag"), BOUNDARIES)
def test_boundaries(changes, outcome, flag):
    result = assess(facts(**changes))
    assert result.outcome == outcome
    review_flags = result.flags - {"within_milan", "multi_probe"}
    if flag is None:
        assert review_flags == set()
        assert result.reasons == []
    else:
        assert flag in result.flags
        if flag != "multi_probe":
            assert review_flags == {flag}
            assert len(result.reasons) == 1


CHILD_PUGH = [
    ("A5", LIKELY_SUITABLE, set()),
    ("A6", LIKELY_SUITABLE, set()),
    ("B7", LIKELY_SUITABLE, set()),
    ("B8", UNLIKELY_SUITABLE, {"hepatology_review"}),
    ("B9", UNLIKELY_SUITABLE, {"hepatology_review"}),
    *[(f"C{n}", UNLIKELY_SUITABLE, {"hepatology_review"}) for n in range(10, 16)],
    ("A", LIKELY_SUITABLE, set()),
    ("B", NEEDS_REVIEW, {"child_pugh_score_needed"}),
    ("C", UNLIKELY_SUITABLE, {"hepatology_review"}),
]


@pytest.mark.parametrize(("value", "outcome", "flags"), CHILD_PUGH)
def test_each_child_pugh_value(value, outcome, flags):
    result = assess(facts(child_pugh=value))
    assert result.outcome == outcome
    assert result.flags - {"within_milan"} == flags
    assert result.child_pugh == value


def test_child_pugh_letter_b_asks_for_the_score_without_hepatology_flag():
    result = assess(facts(child_pugh="B"))
    assert "hepatology_review" not in result.flags
    assert "score" in result.reasons[0]
    assert "Child-Pugh score" in result.next_steps[0]


@pytest.mark.parametrize(
    ("count", "size", "within"),
    [
        (1, 5.0, True),
        (1, 5.1, False),
        (2, 3.0, True),
        (2, 3.1, False),
        (3, 3.0, True),
        (3, 3.1, False),
        (4, 1.0, False),
        (4, 3.0, False),
    ],
)
def test_milan(count, size, within):
    result = assess(facts(lesion_count=count, max_lesion_cm=size))
    assert ("within_milan" in result.flags) is within
    bridging = any("bridge to transplantation" in s for s in result.next_steps)
    assert bridging is within
    milan = next(c for c in result.checks if c.criterion == "milan")
    assert milan.within is within


@pytest.mark.parametrize("diagnosis", ["metastasis", "other"])
def test_milan_is_only_for_hcc(diagnosis):
    result = assess(facts(diagnosis=diagnosis, child_pugh=None))
    assert "within_milan" not in result.flags
    assert not any("transplant" in s for s in result.next_steps)


@pytest.mark.parametrize(
    ("count", "size"), [(1, 4.0), (1, 5.0), (2, 2.0), (3, 3.0), (2, 4.5)]
)
def test_multi_probe_and_milan_never_change_the_outcome(count, size):
    result = assess(facts(lesion_count=count, max_lesion_cm=size))
    assert result.outcome == LIKELY_SUITABLE
    assert result.reasons == []


def test_multi_probe_not_raised_above_five_cm():
    result = assess(facts(max_lesion_cm=6.0))
    assert result.flags == {"large_lesion"}
    assert result.notes == []


def test_multi_probe_is_a_note_not_a_reason():
    result = assess(facts(lesion_count=2, max_lesion_cm=4.0))
    assert result.flags == {"multi_probe"}  # two lesions over 3 cm: not Milan
    assert result.reasons == []
    assert any("multi-probe" in note for note in result.notes)


def test_several_review_flags_each_give_a_reason_and_a_review_topic():
    result = assess(
        facts(
            diagnosis="other",
            child_pugh=None,
            lesion_count=5,
            max_lesion_cm=7.0,
            bilirubin_mg_dl=2.5,
            platelets_per_ul=40000,
            bile_duct_distance_mm=3,
        )
    )
    assert result.outcome == NEEDS_REVIEW
    assert result.flags == {
        "other_diagnosis",
        "staged_sessions",
        "large_lesion",
        "hepatic_reserve",
        "platelet_transfusion",
        "biliary_protection",
    }
    assert len(result.reasons) == 6
    team_step = result.next_steps[0]
    for topic in ("diagnosis", "number of tumours", "largest tumour", "bilirubin"):
        assert topic in team_step
    assert "platelet transfusion" in team_step
    assert "bile ducts" in team_step


# ---------------------------------------------------------------------------
# Outcome order and missing fields
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "given",
    [
        {"child_pugh": "C10"},
        {"diagnosis": "hcc", "child_pugh": "B8"},
        {"diagnosis": "hcc", "bclc_stage": "D"},
        {"bclc_stage": "C", "platelets_per_ul": 20000},
    ],
)
def test_unlikely_beats_incomplete(given):
    result = assess(given)
    assert result.outcome == UNLIKELY_SUITABLE
    assert result.missing  # still reported, whatever else is missing


def test_incomplete_beats_needs_review():
    result = assess(facts(platelets_per_ul=30000, bilirubin_mg_dl=None))
    assert result.outcome == INCOMPLETE
    assert result.missing == ["bilirubin_mg_dl"]
    assert "platelet_transfusion" in result.flags


def test_nothing_given_is_incomplete_never_unlikely():
    result = assess({})
    assert result.outcome == INCOMPLETE
    assert result.missing == [
        "diagnosis",
        "lesion_count",
        "max_lesion_cm",
        "bilirubin_mg_dl",
        "platelets_per_ul",
    ]
    assert result.flags == set()
    assert result.reasons == []


@pytest.mark.parametrize(
    "field",
    [
        "diagnosis",
        "lesion_count",
        "max_lesion_cm",
        "bilirubin_mg_dl",
        "platelets_per_ul",
        "child_pugh",
    ],
)
def test_each_required_field_missing(field):
    result = assess(facts(**{field: None}))
    assert result.outcome == INCOMPLETE
    assert result.missing == [field]


def test_missing_fields_keep_the_spec_order():
    given = {"diagnosis": "hcc", "platelets_per_ul": 90000}
    assert assess(given).missing == [
        "lesion_count",
        "max_lesion_cm",
        "bilirubin_mg_dl",
        "child_pugh",
    ]


def test_blank_and_none_count_as_missing():
    result = assess(facts(child_pugh="  ", bilirubin_mg_dl=None) | {"x": 1})
    assert result.missing == ["bilirubin_mg_dl", "child_pugh"]


@pytest.mark.parametrize("field", ["bile_duct_distance_mm", "bclc_stage"])
def test_optional_fields_are_never_missing(field):
    result = assess(facts())
    assert field not in result.missing
    check = next(c for c in result.checks if c.field == field)
    assert check.status == "missing"


@pytest.mark.parametrize("diagnosis", ["metastasis", "other", "METASTASIS "])
def test_non_hcc_needs_no_child_pugh(diagnosis):
    result = assess(facts(diagnosis=diagnosis, child_pugh=None))
    assert "child_pugh" not in result.missing
    assert result.outcome in (LIKELY_SUITABLE, NEEDS_REVIEW)


@pytest.mark.parametrize(
    "changes", [{"child_pugh": "C12"}, {"bclc_stage": "D"}, {"bclc_stage": "B"}]
)
def test_hcc_criteria_do_not_apply_to_metastasis(changes):
    result = assess(facts(diagnosis="metastasis", **changes))
    assert result.outcome == LIKELY_SUITABLE
    assert result.flags == set()
    statuses = {c.status for c in result.checks if c.field in changes}
    assert statuses == {"not_applicable"}


def test_child_pugh_computed_from_components_for_hcc():
    result = assess(
        facts(
            child_pugh=None,
            bilirubin_mg_dl=1.8,
            albumin_g_dl=3.1,
            inr=1.5,
            ascites="mild",
            encephalopathy="none",
        )
    )
    assert result.child_pugh == "B7"
    assert result.outcome == LIKELY_SUITABLE
    assert result.child_pugh_points == {
        "bilirubin_mg_dl": 1,
        "albumin_g_dl": 2,
        "inr": 1,
        "ascites": 2,
        "encephalopathy": 1,
        "total": 7,
    }


def test_a_high_child_pugh_computed_here_is_never_unlikely():
    # Worked out by assess itself from its parts: "computed", whatever else
    # is missing (spec "The outcome": never unlikely_suitable).
    result = assess(
        {
            "diagnosis": "hcc",
            "bilirubin_mg_dl": 3.5,
            "albumin_g_dl": 2.5,
            "inr": 2.0,
            "ascites": "moderate",
            "encephalopathy": "none",
        }
    )
    assert result.child_pugh == "C12"
    assert result.child_pugh_source == "computed"
    assert result.outcome == INCOMPLETE
    assert "hepatology_review" in result.flags


def test_partial_components_leave_child_pugh_missing():
    result = assess(facts(child_pugh=None, albumin_g_dl=3.1, inr=1.5))
    assert result.outcome == INCOMPLETE
    assert result.missing == ["child_pugh"]
    assert result.child_pugh_points is None


def test_given_child_pugh_wins_over_components():
    result = assess(
        facts(
            child_pugh="A5",
            albumin_g_dl=2.0,
            inr=3.0,
            ascites="severe",
            encephalopathy="severe",
        )
    )
    assert result.child_pugh == "A5"
    assert result.outcome == LIKELY_SUITABLE


# ---------------------------------------------------------------------------
# Per-criterion breakdown
# ---------------------------------------------------------------------------


def test_checks_show_each_criterion_value_and_citation():
    result = assess(facts(platelets_per_ul=40000, bile_duct_distance_mm=8))
    by_id = {c.criterion: c for c in result.checks}
    assert by_id["platelets"].value == 40000
    assert by_id["platelets"].within is False
    assert by_id["platelets"].flag == "platelet_transfusion"
    assert by_id["platelets"].preferred == "> 50,000/µL"
    assert "Platelet count" in by_id["platelets"].citation
    assert by_id["bile_duct_distance"].within is True
    assert by_id["bile_duct_distance"].flag is None
    assert by_id["milan"].flag == "within_milan"


def test_result_is_frozen_and_serialisable():
    import dataclasses
    import json

    result = assess(facts())
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.outcome = NEEDS_REVIEW  # type: ignore[misc]
    data = json.loads(json.dumps(result.to_dict()))
    assert data["outcome"] == LIKELY_SUITABLE
    assert data["rules_version"] == RULES_VERSION
    assert len(data["checks"]) == len(result.checks)
