"""Words, not only figures: qualifiers kept and no absolute words.

The data is docs/faithfulness.yml: per FAQ answer and per clinical screening
text, the source lines it rests on and the source's qualifiers it must keep;
the absolute words no text may use, with the reviewed exceptions where the
source uses the word in that place.
"""

import pytest

from scripts.clinical_review import wording
from scripts.clinical_review.texts import TEXT, Text, all_texts

TEXTS = all_texts()
DATA = wording.load()
ANSWERS = DATA["answers"]


def test_every_answer_keeps_its_qualifiers():
    assert wording.qualifier_problems(TEXTS, DATA) == []


def test_no_absolute_word_without_the_source_using_it_there():
    assert wording.absolute_word_problems(TEXTS, DATA) == []


def test_every_faq_answer_and_clinical_screening_text_has_an_entry():
    faq = {t.where for t in TEXTS if t.where.startswith("utter_faq/")}
    assert len(faq) >= 33
    assert faq <= set(ANSWERS)
    for name in (*wording.RESULT_RESPONSES, *wording.CLINICAL_CODE_TEXTS):
        assert name in ANSWERS
    rules = {t.where for t in TEXTS if t.where.startswith("code:eligibility.rule.")}
    assert rules and rules <= set(ANSWERS)


# The qualifiers the clinical review of issue 12 found dropped: each is in the
# data, so deleting an entry cannot make the check pass unnoticed.
FOUND = [
    ("utter_faq/survival", "selected series"),
    ("utter_faq/tace_combination", "in Chinese hepatology centres"),
    ("code:eligibility.rule.bclc_intermediate.reason", "in Chinese hepatology centres"),
    ("utter_faq/risks", "including"),
    ("utter_faq/risks", "small risk"),
    ("utter_faq/cryoshock", "small risk"),
    (
        "utter_faq/recovery",
        "discharge to a day facility is possible for uncomplicated cases",
    ),
    ("utter_faq/cryo_vs_rfa", "evidence-based"),
    ("utter_faq/transplant_bridging", "has been documented in multiple series"),
    ("utter_faq/ice_ball_monitoring", "directly visible"),
    ("utter_faq/tumour_size", "may require multi-probe"),
    ("utter_faq/near_blood_vessels", "may enhance cryoablation efficacy"),
    ("utter_faq/success_rate", "multiple prospective series"),
    (
        "utter_screening_likely_suitable",
        "within the preferred ranges of the criteria I could check",
    ),
    ("utter_screening_child_pugh_computed", "worked out from the answers given"),
    (
        "code:eligibility.rule.child_pugh.reason_when_computed",
        "may grade it differently",
    ),
]


@pytest.mark.parametrize(("where", "qualifier"), FOUND)
def test_the_qualifiers_found_by_the_review_are_kept(where, qualifier):
    keep = [wording.Qualifier.read(q) for q in ANSWERS[where].get("keep") or ()]
    assert any(qualifier.lower() in q.source.lower() for q in keep)


def _replace(texts, where, old, new):
    changed = []
    for text in texts:
        if text.where == where and text.kind == TEXT:
            assert old in text.text, (where, old)
            text = Text(text.where, text.file, text.text.replace(old, new), text.kind)
        changed.append(text)
    return changed


@pytest.mark.parametrize(
    ("where", "old", "new", "qualifier"),
    [
        (
            "utter_faq/survival",
            "In selected series, people",
            "People",
            "selected series",
        ),
        (
            "utter_faq/risks",
            "cases, including bleeding",
            "cases: bleeding",
            "including",
        ),
        ("utter_faq/tace_combination", " in Chinese hepatology centres", "", "Chinese"),
        ("utter_faq/cryoshock", "The risk is small, and it", "It", "small risk"),
        (
            "utter_faq/tace_combination",
            "may make freezing",
            "makes freezing",
            "may enhance",
        ),
        (
            "code:eligibility.rule.child_pugh.reason_when_computed",
            "; the doctors may grade it differently",
            "",
            "may grade it differently",
        ),
    ],
)
def test_a_dropped_qualifier_fails(where, old, new, qualifier):
    problems = wording.qualifier_problems(_replace(TEXTS, where, old, new), DATA)
    assert len(problems) == 1
    assert where in problems[0] and qualifier in problems[0]


@pytest.mark.parametrize(
    ("where", "old", "new", "word"),
    [
        ("utter_faq/cryo_vs_rfa", "evidence-based", "proven", "proven"),
        (
            "utter_faq/near_blood_vessels",
            "without that limit",
            "without risk",
            "without risk",
        ),
        ("utter_faq/recovery", "Most people", "People always", "always"),
        (
            "utter_faq/ice_ball_monitoring",
            "directly visible",
            "exactly visible",
            "exactly",
        ),
        (
            "utter_faq/transplant_bridging",
            "complete destruction",
            "the tumour completely destroyed",
            "completely",
        ),
        (
            "code:eligibility.rule.child_pugh.next_step",
            "is preferred",
            "is never used",
            "never",
        ),
        (
            "utter_faq/near_blood_vessels",
            "without that limit",
            "and does not have this problem",
            "does not have this problem",
        ),
    ],
)
def test_an_absolute_word_fails(where, old, new, word):
    problems = wording.absolute_word_problems(_replace(TEXTS, where, old, new), DATA)
    assert any(where in p and repr(word) in p for p in problems), problems


def test_an_exception_needs_the_source_to_use_the_word_there():
    bad = {
        "absolute_words": {
            **DATA["absolute_words"],
            "allowed": [
                *DATA["absolute_words"]["allowed"],
                {
                    "where": "utter_faq/pain",
                    "word": "painless",
                    "source": "Cold ablation produces less intraprocedural pain",
                },
            ],
        }
    }
    texts = _replace(
        TEXTS, "utter_faq/pain", "Cold ablation causes", "Painless cold ablation causes"
    )
    problems = wording.absolute_word_problems(texts, bad)
    assert problems == ["utter_faq/pain: the source line does not use 'painless'"]


def test_an_unused_exception_is_reported():
    problems = wording.absolute_word_problems(
        _replace(
            TEXTS, "utter_faq/guarantee", "does not guarantee", "does not promise"
        ),
        DATA,
    )
    assert "exception no longer needed: utter_faq/guarantee: 'guarantee'" in problems


def test_names_of_things_are_not_claims():
    found = wording.absolute_words_in(
        "the complete blood count report", ["complete"], ["complete blood count"]
    )
    assert found == []


def test_a_new_faq_answer_needs_an_entry():
    new = Text("utter_faq/diet_after", "data/responses/faq.yml", "Eat well.")
    problems = wording.qualifier_problems([*TEXTS, new], DATA)
    assert problems == [
        "utter_faq/diet_after: no entry in docs/faithfulness.yml (its source lines "
        "and the qualifiers it must keep)"
    ]


def test_a_quote_must_be_the_sources():
    data = {
        **DATA,
        "answers": {
            **ANSWERS,
            "utter_faq/recovery": {
                "source": ["going home the same day may be possible"],
                "keep": [],
            },
        },
    }
    problems = wording.qualifier_problems(TEXTS, data)
    assert problems == [
        "utter_faq/recovery: not in the clinical source: "
        "'going home the same day may be possible'"
    ]


def test_the_statements_found_by_the_review_are_gone():
    said = " ".join(t.text for t in TEXTS).lower()
    for gone in (
        "does not have this problem",
        "proven ways",
        "same day",
        "see exactly",
        "completely destroyed",
        "accept b7 but not b8",
        "may fit your situation better",
        "there is probably none",
        "well-established combination for intermediate",
    ):
        assert gone not in said
