"""Each next step belongs to the rule that raised it (spec "Next steps").

Tables of ``assess`` inputs with both sides of every next-step rule: a
Child-Pugh class from a report or worked out in the conversation, at B7 and
B8; BCLC C with and without the Milan criteria; a favourable result with and
without the distance from the bile duct. The held-out tables with a reported
class (``test_eligibility_rules.py``) keep their outcomes.
"""

import itertools

import pytest

from bot.eligibility import (
    COMPUTED_FROM_ANSWERS,
    DOCTORS_MAY_GRADE,
    INCOMPLETE,
    LIKELY_SUITABLE,
    NEEDS_REVIEW,
    UNLIKELY_SUITABLE,
    assess,
    criteria,
)

# Every value within the preferred ranges; one 2 cm HCC is within Milan.
BASE = {
    "diagnosis": "hcc",
    "lesion_count": 1,
    "max_lesion_cm": 2.0,
    "child_pugh": "A5",
    "bilirubin_mg_dl": 1.0,
    "platelets_per_ul": 100000,
}
OUTSIDE_MILAN = {"lesion_count": 2, "max_lesion_cm": 4.0}
# Child-Pugh parts that work out to B7 and to B8 (Pugh 1973 table of the spec).
PARTS_B7 = {
    "child_pugh": None,
    "bilirubin_mg_dl": 1.0,
    "albumin_g_dl": 3.0,
    "inr": 1.5,
    "ascites": "mild",
    "encephalopathy": "none",
}
PARTS_B8 = {**PARTS_B7, "encephalopathy": "mild"}

# Words that name another treatment. Only Child-Pugh B8-C names TACE or
# systemic therapy as preferred; BCLC B names TACE *followed by* cryoablation.
ALTERNATIVES = ("TACE or systemic", "systemic therapy")
OTHER_TREATMENT_WORDS = (
    "TACE",
    "systemic",
    "chemotherapy",
    "radiotherapy",
    "immunotherapy",
    "surgery",
    "resection",
)
BRIDGING = ("bridge to transplantation", "transplant")
NOT_CHECKED = "could not check"


def facts(*changes):
    merged = dict(BASE)
    for change in changes:
        merged.update(change)
    return {k: v for k, v in merged.items() if v is not None}


def said(result):
    """Everything the patient reads of a result."""
    return " ".join([*result.reasons, *result.next_steps, *result.notes])


# (id, facts, outcome, flags that must be raised, must be said, must not be said)
TABLE = [
    # -- Child-Pugh from a report, or worked out in the conversation ---------
    (
        "B7 reported",
        facts({"child_pugh": "B7"}),
        LIKELY_SUITABLE,
        set(),
        (),
        (COMPUTED_FROM_ANSWERS, *ALTERNATIVES),
    ),
    (
        "B7 computed (source given)",
        facts({"child_pugh": "B7", "child_pugh_source": "computed"}),
        LIKELY_SUITABLE,
        set(),
        (COMPUTED_FROM_ANSWERS, DOCTORS_MAY_GRADE, "(B7)"),
        ALTERNATIVES,
    ),
    (
        "B7 computed (from its parts)",
        facts(PARTS_B7),
        LIKELY_SUITABLE,
        set(),
        (COMPUTED_FROM_ANSWERS, DOCTORS_MAY_GRADE, "(B7)"),
        ALTERNATIVES,
    ),
    (
        "B8 reported",
        facts({"child_pugh": "B8"}),
        UNLIKELY_SUITABLE,
        {"hepatology_review"},
        ("hepatologist or oncologist", "TACE or systemic therapy", "B8–C"),
        (COMPUTED_FROM_ANSWERS, *BRIDGING),
    ),
    (
        "B8 reported (source given)",
        facts({"child_pugh": "B8", "child_pugh_source": "report"}),
        UNLIKELY_SUITABLE,
        {"hepatology_review"},
        ("TACE or systemic therapy",),
        (COMPUTED_FROM_ANSWERS, *BRIDGING),
    ),
    (
        "B8 computed (source given)",
        facts({"child_pugh": "B8", "child_pugh_source": "computed"}),
        NEEDS_REVIEW,
        {"hepatology_review", "within_milan"},
        (
            COMPUTED_FROM_ANSWERS,
            DOCTORS_MAY_GRADE,
            "TACE or systemic therapy",
            "multidisciplinary team",
            "bridge to transplantation",
        ),
        ("hepatologist or oncologist",),
    ),
    (
        "B8 computed (from its parts)",
        facts(PARTS_B8),
        NEEDS_REVIEW,
        {"hepatology_review"},
        (COMPUTED_FROM_ANSWERS, DOCTORS_MAY_GRADE, "TACE or systemic therapy"),
        (),
    ),
    (
        "C12 computed, other values missing",
        {"diagnosis": "hcc", **PARTS_B8, "bilirubin_mg_dl": 3.5, "inr": 2.5},
        INCOMPLETE,
        {"hepatology_review"},
        (COMPUTED_FROM_ANSWERS, "TACE or systemic therapy", "please share"),
        (),
    ),
    (
        "C12 reported, other values missing",
        {"diagnosis": "hcc", "child_pugh": "C12"},
        UNLIKELY_SUITABLE,
        {"hepatology_review"},
        ("TACE or systemic therapy",),
        (COMPUTED_FROM_ANSWERS, "please share"),
    ),
    (
        "class B without its score",
        facts({"child_pugh": "B"}),
        NEEDS_REVIEW,
        {"child_pugh_score_needed"},
        ("full Child-Pugh score",),
        (*ALTERNATIVES, "accept", "B8 or B9"),
    ),
    # -- BCLC C or D: outside the indication, no alternative named -----------
    (
        "BCLC C within Milan",
        facts({"bclc_stage": "C"}),
        UNLIKELY_SUITABLE,
        {"outside_indication", "within_milan"},
        ("0–A", "hepatologist or oncologist", "other treatments or clinical trials"),
        (*OTHER_TREATMENT_WORDS, *BRIDGING),
    ),
    (
        "BCLC C outside Milan",
        facts({"bclc_stage": "C"}, OUTSIDE_MILAN),
        UNLIKELY_SUITABLE,
        {"outside_indication"},
        ("0–A",),
        (*OTHER_TREATMENT_WORDS, *BRIDGING),
    ),
    (
        "BCLC D within Milan",
        facts({"bclc_stage": "D"}),
        UNLIKELY_SUITABLE,
        {"outside_indication", "within_milan"},
        ("0–A",),
        (*OTHER_TREATMENT_WORDS, *BRIDGING),
    ),
    (
        "BCLC B: TACE then cryoablation, with its qualifier",
        facts({"bclc_stage": "B"}),
        NEEDS_REVIEW,
        {"tace_combination", "within_milan"},
        ("in Chinese hepatology centres", "TACE followed by cryoablation"),
        ALTERNATIVES,
    ),
    # -- Milan: bridging, except with "unlikely suitable" ---------------------
    (
        "within Milan, likely suitable",
        facts(),
        LIKELY_SUITABLE,
        {"within_milan"},
        ("bridge to transplantation", "Milan criteria"),
        (),
    ),
    (
        "within Milan, needs review",
        facts({"platelets_per_ul": 40000}),
        NEEDS_REVIEW,
        {"within_milan", "platelet_transfusion"},
        ("bridge to transplantation", "platelet transfusion"),
        ALTERNATIVES,
    ),
    (
        "within Milan, incomplete",
        facts({"platelets_per_ul": None}),
        INCOMPLETE,
        {"within_milan"},
        ("bridge to transplantation", "platelet count"),
        (),
    ),
    (
        "outside Milan",
        facts(OUTSIDE_MILAN),
        LIKELY_SUITABLE,
        {"multi_probe"},
        ("multi-probe",),
        BRIDGING,
    ),
    (
        "metastasis: no Milan, no Child-Pugh",
        facts({"diagnosis": "metastasis", "child_pugh": None}),
        LIKELY_SUITABLE,
        set(),
        (),
        (*BRIDGING, COMPUTED_FROM_ANSWERS),
    ),
    # -- likely suitable: the criteria that could not be checked --------------
    (
        "likely, neither bile duct nor BCLC given",
        facts(),
        LIKELY_SUITABLE,
        set(),
        (NOT_CHECKED, "the distance from the bile duct and the BCLC stage"),
        (),
    ),
    (
        "likely, bile-duct distance given",
        facts({"bile_duct_distance_mm": 8}),
        LIKELY_SUITABLE,
        set(),
        (f"{NOT_CHECKED}: the BCLC stage",),
        ("the distance from the bile duct",),
    ),
    (
        "likely, both given",
        facts({"bile_duct_distance_mm": 8, "bclc_stage": "A"}),
        LIKELY_SUITABLE,
        set(),
        (),
        (NOT_CHECKED,),
    ),
    (
        "likely, metastasis: BCLC does not apply",
        facts({"diagnosis": "metastasis", "child_pugh": None}),
        LIKELY_SUITABLE,
        set(),
        (f"{NOT_CHECKED}: the distance from the bile duct.",),
        ("BCLC",),
    ),
    (
        "likely, metastasis, bile-duct distance given",
        facts(
            {"diagnosis": "metastasis", "child_pugh": None},
            {"bile_duct_distance_mm": 6},
        ),
        LIKELY_SUITABLE,
        set(),
        (),
        (NOT_CHECKED,),
    ),
    (
        "needs review, bile duct close: the flag's topic, no 'could not check'",
        facts({"bile_duct_distance_mm": 5}),
        NEEDS_REVIEW,
        {"biliary_protection"},
        ("bile ducts need cooling", "biliary cooling may be needed"),
        (NOT_CHECKED,),
    ),
]


@pytest.mark.parametrize(
    ("given", "outcome", "flags", "present", "absent"),
    [row[1:] for row in TABLE],
    ids=[row[0] for row in TABLE],
)
def test_next_steps(given, outcome, flags, present, absent):
    result = assess(given)
    assert result.outcome == outcome
    assert flags <= result.flags
    text = said(result)
    for words in present:
        assert words in text, f"{words!r} missing from: {text}"
    for words in absent:
        assert words not in text, f"{words!r} said in: {text}"
    # Every outcome ends with something a coordinator can act on.
    assert "coordinator" in result.next_steps[-1]


@pytest.mark.parametrize(
    ("given", "source"),
    [
        (facts({"child_pugh": "B8"}), "report"),
        (facts({"child_pugh": "B8", "child_pugh_source": "report"}), "report"),
        (facts({"child_pugh": "B8", "child_pugh_source": "computed"}), "computed"),
        # A class assess works out itself is computed, whatever was claimed.
        (facts(PARTS_B8, {"child_pugh_source": "report"}), "computed"),
        (facts({"diagnosis": "metastasis", "child_pugh": "B8"}), None),
        (facts({"child_pugh": None}), None),
    ],
)
def test_the_result_says_where_the_class_came_from(given, source):
    result = assess(given)
    assert result.child_pugh_source == source
    assert result.to_dict()["child_pugh_source"] == source


@pytest.mark.parametrize("value", ["doctor", "", "COMPUTED ", 7])
def test_child_pugh_source_is_checked(value):
    given = facts({"child_pugh": "B8", "child_pugh_source": value})
    if value == "":
        # Blank means "not given": the default, a report.
        assert assess(given).child_pugh_source == "report"
    elif value == "COMPUTED ":
        assert assess(given).outcome == NEEDS_REVIEW
    else:
        with pytest.raises(ValueError, match="child_pugh_source"):
            assess(given)


CHILD_PUGH_VALUES = ["A5", "A6", "B7", "B8", "B9", "C10", "C12", "C15", "B"]
OTHER_CHANGES = [
    {},
    {"bclc_stage": "B"},
    {"bclc_stage": "D"},
    {"platelets_per_ul": 30000},
    {"platelets_per_ul": None},
    OUTSIDE_MILAN,
    {"lesion_count": 5},
]


@pytest.mark.parametrize(
    ("value", "source", "change"),
    list(itertools.product(CHILD_PUGH_VALUES, ("report", "computed"), OTHER_CHANGES)),
)
def test_the_steps_belong_to_the_rules_that_raised_them(value, source, change):
    result = assess(facts({"child_pugh": value, "child_pugh_source": source}, change))
    steps = " ".join(result.next_steps)
    # Only Child-Pugh B8-C names TACE or systemic therapy as preferred.
    named = any(words in steps for words in ALTERNATIVES)
    assert named == ("hepatology_review" in result.flags)
    # A computed class is never "unlikely suitable" on its own account.
    if source == "computed" and "outside_indication" not in result.flags:
        assert result.outcome != UNLIKELY_SUITABLE
    # Whenever a computed class is used, the patient reads how it was obtained.
    if source == "computed":
        assert COMPUTED_FROM_ANSWERS in said(result)
        assert DOCTORS_MAY_GRADE in said(result)
    else:
        assert COMPUTED_FROM_ANSWERS not in said(result)
    # Bridging to transplantation never comes with "unlikely suitable".
    bridging = "bridge to transplantation" in steps
    assert bridging == (
        "within_milan" in result.flags and result.outcome != UNLIKELY_SUITABLE
    )
    # Only a favourable result says what could not be checked.
    assert (NOT_CHECKED in steps) == (result.outcome == LIKELY_SUITABLE)


def test_only_the_child_pugh_rule_has_a_step_of_its_own():
    with_steps = {rule.flag for rule in criteria.RULES if rule.next_step}
    assert with_steps == {"hepatology_review"}
    assert all(
        words not in rule.reason for rule in criteria.RULES for words in ALTERNATIVES
    )


def test_the_child_pugh_table_cites_pugh_1973_not_the_clinical_source():
    assert "Br J Surg 1973;60:646–649" in criteria.CHILD_PUGH_REFERENCE
    assert "Pugh" in criteria.CHILD_PUGH_REFERENCE
    doc = criteria.__doc__
    assert "does NOT come from that source" in doc
    assert "CHILD_PUGH_REFERENCE" in doc
