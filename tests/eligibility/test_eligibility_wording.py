"""What the patient reads: figures from the source, plain language, next steps."""

import importlib.util
import itertools
import pathlib

import pytest

from bot import fields
from bot.eligibility import (
    INCOMPLETE,
    LIKELY_SUITABLE,
    NEEDS_REVIEW,
    UNLIKELY_SUITABLE,
    assess,
    criteria,
    engine,
)

ROOT = pathlib.Path(__file__).resolve().parents[2]
SEED_NAME = "000_4c5dabd8a3483595.txt"
SEED_CANDIDATES = [
    ROOT / "reference" / "seeds" / SEED_NAME,
    pathlib.Path("/work/shared/seeds") / SEED_NAME,
]
TOOL_CANDIDATES = [
    ROOT / "reference" / "tools" / "check_answer_facts.py",
    pathlib.Path("/work/shared/tools/check_answer_facts.py"),
]


def _first_existing(paths):
    for path in paths:
        if path.is_file():
            return path
    raise FileNotFoundError(f"none of {paths} exists")


SEED_TEXT = _first_existing(SEED_CANDIDATES).read_text(encoding="utf-8")


def _load_figures():
    """The project's own figure extractor, so the test agrees with the tool."""
    spec = importlib.util.spec_from_file_location(
        "check_answer_facts", _first_existing(TOOL_CANDIDATES)
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.figures


figures = _load_figures()
SEED_FIGURES = figures(SEED_TEXT)

BASE = {
    "diagnosis": "hcc",
    "lesion_count": 1,
    "max_lesion_cm": 2.0,
    "child_pugh": "A5",
    "bilirubin_mg_dl": 1.0,
    "platelets_per_ul": 100000,
}
# One variation per criterion outside its preferred range, combined pairwise,
# plus missing fields: every sentence the engine can produce shows up.
VARIATIONS = [
    {},
    {"lesion_count": 7},
    {"max_lesion_cm": 4.2},
    {"max_lesion_cm": 6.7},
    {"child_pugh": "B"},
    {"child_pugh": "C13"},
    {"bilirubin_mg_dl": 2.3},
    {"platelets_per_ul": 42000},
    {"bile_duct_distance_mm": 4},
    {"bclc_stage": "B"},
    {"bclc_stage": "D"},
    {"diagnosis": "other", "child_pugh": None},
    {"diagnosis": None},
    {"lesion_count": None, "max_lesion_cm": None},
    {"bilirubin_mg_dl": None, "platelets_per_ul": None, "child_pugh": None},
]


def _facts(*changes):
    merged = dict(BASE)
    for change in changes:
        merged.update(change)
    return {k: v for k, v in merged.items() if v is not None}


RESULTS = [
    assess(_facts(a, b))
    for a, b in itertools.combinations_with_replacement(VARIATIONS, 2)
]
PATIENT_TEXTS = sorted(
    {text for r in RESULTS for text in (*r.reasons, *r.next_steps, *r.notes)}
)
STATIC_TEXTS = [
    *(rule.reason for rule in criteria.RULES),
    *(rule.review_topic for rule in criteria.RULES),
    criteria.MILAN.note,
    criteria.MILAN.next_step,
    *(field.label for field in fields.FIELDS),
    *(field.hint for field in fields.FIELDS if field.hint),
    *(getattr(engine, name) for name in dir(engine) if name.startswith("STEP_")),
]


def test_every_outcome_is_produced_by_the_sample():
    assert {r.outcome for r in RESULTS} == {
        LIKELY_SUITABLE,
        NEEDS_REVIEW,
        UNLIKELY_SUITABLE,
        INCOMPLETE,
    }
    assert set().union(*(r.flags for r in RESULTS)) == criteria.FLAGS


@pytest.mark.parametrize("text", PATIENT_TEXTS + STATIC_TEXTS)
def test_every_figure_is_in_the_source(text):
    assert figures(text) <= SEED_FIGURES, figures(text) - SEED_FIGURES


@pytest.mark.parametrize("text", PATIENT_TEXTS + STATIC_TEXTS)
def test_plain_language_without_a_verdict(text):
    lowered = text.lower()
    assert "eligible" not in lowered
    assert "_" not in text  # no flag or field names
    for flag in criteria.FLAGS:
        assert flag not in text


def test_patient_values_are_not_echoed():
    result = assess(_facts({"bilirubin_mg_dl": 2.37, "platelets_per_ul": 41234}))
    text = " ".join(result.reasons + result.next_steps)
    assert "2.37" not in text
    assert "41" not in text


def test_the_figure_check_can_fail():
    assert figures("local control in 97% of cases") - SEED_FIGURES == {"97"}


@pytest.mark.parametrize(
    "rule", [*criteria.RULES, criteria.MILAN], ids=lambda r: getattr(r, "id", "milan")
)
def test_each_rule_quotes_its_source_line(rule):
    # Table rows are quoted with " | " between cells; the text has none.
    assert rule.source.replace(" | ", "") in SEED_TEXT
    assert rule.source in rule.citation


def test_rules_version_is_the_source_review_date():
    assert "Last reviewed: June 4, 2026" in SEED_TEXT
    assert criteria.RULES_VERSION.startswith("2026-06-04")


@pytest.mark.parametrize("result", RESULTS, ids=lambda r: r.outcome)
def test_every_outcome_ends_with_a_coordinator_step(result):
    assert "coordinator" in result.next_steps[-1]


def test_likely_suitable_asks_for_imaging_and_a_record_review():
    result = assess(_facts())
    assert result.outcome == LIKELY_SUITABLE
    assert "imaging" in result.next_steps[0]
    assert "specialist review" in result.next_steps[0]


def test_needs_review_names_the_team_review_and_what_it_looks_at():
    result = assess(_facts({"platelets_per_ul": 50000, "bclc_stage": "B"}))
    assert result.outcome == NEEDS_REVIEW
    step = result.next_steps[0]
    assert "multidisciplinary team" in step
    assert "platelet count" in step
    assert "BCLC stage" in step
    assert "bile ducts" not in step


def test_a_reported_child_pugh_b8_c_points_to_a_specialist_and_other_treatments():
    result = assess(_facts({"child_pugh": "B9"}))
    assert result.outcome == UNLIKELY_SUITABLE
    steps = " ".join(result.next_steps)
    assert "hepatologist or oncologist" in steps
    assert "TACE" in steps
    assert "systemic therapy" in steps
    assert "B8–C" in result.reasons[0]


def test_incomplete_asks_for_exactly_what_is_missing():
    result = assess(_facts({"platelets_per_ul": None, "child_pugh": None}))
    assert result.outcome == INCOMPLETE
    ask = result.next_steps[0]
    assert "platelet count" in ask
    assert "Child-Pugh" in ask
    assert "bilirubin" not in ask


def test_within_milan_mentions_bridging_to_transplantation():
    result = assess(_facts({"lesion_count": 3, "max_lesion_cm": 3.0}))
    assert "within_milan" in result.flags
    assert any("bridge to transplantation" in step for step in result.next_steps)
    assert any("Milan criteria" in note for note in result.notes)
