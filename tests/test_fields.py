"""The field registry (bot/fields.py) agrees with everything that uses it.

When a field is added or changed, these tests say what else it needs.
"""

import pathlib

import pytest
import yaml

from bot import fields
from bot.eligibility import InvalidValueError, assess, criteria
from bot.nlp.labs import units
from bot.nlp.labs.findings import FIELDS as EXTRACTED_FIELDS
from bot.screening import state
from bot.screening.extraction import read_number

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text())
RESPONSES = yaml.safe_load((ROOT / "data/responses/screening.yml").read_text())[
    "responses"
]
RULE_IDS = {rule.id for rule in criteria.RULES}
ASKED = (fields.REQUIRED, fields.REQUIRED_FOR_HCC, fields.CHILD_PUGH_PART)


@pytest.mark.parametrize("spec", fields.FIELDS, ids=lambda f: f.name)
def test_each_field_is_a_slot(spec):
    assert spec.name in DOMAIN["slots"]


@pytest.mark.parametrize("spec", fields.FIELDS, ids=lambda f: f.name)
def test_each_field_names_rules_that_exist_and_read_it(spec):
    assert spec.rules, spec.name
    for rule_id in spec.rules:
        if rule_id in RULE_IDS:
            assert criteria.RULES_BY_ID[rule_id].field == spec.name
        else:
            assert rule_id in (fields.MILAN_RULE, fields.CHILD_PUGH_TABLE)


def test_every_rule_reads_a_field_that_names_it():
    for rule in criteria.RULES:
        assert rule.id in fields.field(rule.field).rules, rule.id


def test_the_child_pugh_table_reads_the_fields_that_say_so():
    assert criteria.CHILD_PUGH_COMPONENTS == fields.names_where_rule(
        fields.CHILD_PUGH_TABLE
    )
    for name, points in criteria.CHILD_PUGH_CATEGORY_POINTS.items():
        assert tuple(points) == fields.choices(name)


@pytest.mark.parametrize(
    "spec", [f for f in fields.FIELDS if f.role in ASKED], ids=lambda f: f.name
)
def test_each_asked_field_has_its_question_and_help(spec):
    assert f"utter_ask_{spec.name}" in RESPONSES
    if spec.name != "child_pugh":  # not known: worked out instead
        assert f"utter_screening_help_{spec.name}" in RESPONSES


@pytest.mark.parametrize(
    "spec", [f for f in fields.FIELDS if f.units], ids=lambda f: f.name
)
def test_units_are_units_the_extractor_reads(spec):
    assert set(spec.units) <= units.FIELD_UNITS
    assert set(spec.ask_unit) <= set(spec.units)


@pytest.mark.parametrize(
    "spec", [f for f in fields.FIELDS if f.ask_unit], ids=lambda f: f.name
)
def test_a_field_whose_unit_is_asked_has_the_question_with_those_units(spec):
    question = state.ASK_UNIT[spec.name]
    (variant,) = RESPONSES[f"utter_ask_{question}"]
    titles = [b["title"] for b in variant["buttons"]]
    assert list(spec.ask_unit) == titles[: len(spec.ask_unit)]


@pytest.mark.parametrize(
    "spec", [f for f in fields.FIELDS if f.numeric], ids=lambda f: f.name
)
def test_plausible_ranges_are_ranges(spec):
    low, high = spec.plausible
    assert low is None or high is None or low < high
    assert high is not None  # every number is double-checked above a bound


def test_whole_numbers_are_whole_for_the_rules_too():
    base = {
        "diagnosis": "metastasis",
        "lesion_count": 1,
        "max_lesion_cm": 2.0,
        "bilirubin_mg_dl": 1.0,
        "platelets_per_ul": 100000,
    }
    for name in fields.names_where(whole=True):
        with pytest.raises(InvalidValueError):
            assess({**base, name: 2.5})
        assess({**base, name: 2.0})  # a float slot holding a whole number


def test_the_extractor_finds_only_registry_fields():
    assert set(EXTRACTED_FIELDS) <= set(fields.NAMES)


@pytest.mark.parametrize(
    "name, answer, value",
    [
        ("lesion_count", "2", 2),
        ("max_lesion_cm", "3 cm", 3.0),
        ("bilirubin_mg_dl", "1.2 mg/dl", 1.2),
        ("platelets_per_ul", "1.5 lakh", 150000),
        ("child_pugh", "b7", "B7"),
        ("albumin_g_dl", "31", 3.1),
        ("inr", "1.4", 1.4),
        ("bile_duct_distance_mm", "4 mm", 4),
        ("bclc_stage", "a", "A"),
    ],
)
def test_a_bare_answer_is_read_through_its_fields_context(name, answer, value):
    assert read_number(name, answer).value == value


def test_labels_are_words_a_patient_reads():
    labels = [spec.label for spec in fields.FIELDS]
    assert len(set(labels)) == len(labels)
    for spec in fields.FIELDS:
        assert "_" not in spec.label and not any(ch.isdigit() for ch in spec.label)
    # One word for the same thing everywhere: tumours, never lesions.
    assert not any("lesion" in label for label in labels)
