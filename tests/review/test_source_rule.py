"""The similarity rule: when does the clinical source state a sentence?

Both sides of the rule of ``docs/clinical_review.md``: sentences the source
states (its own words, or plain words with the same content) and sentences
it does not (invented, negated, explanations, safety advice). The sentences
the clinical review of issue 12 found are among them.
"""

import pytest

from scripts.clinical_review.source import (
    MIN_WORDS,
    THRESHOLD,
    clauses,
    content_words,
    in_source,
    sentences,
    supported,
    unit_support,
    units,
)

STATED = [
    # the source's own words
    "Both are evidence-based ablation modalities for liver tumours.",
    "Cryoablation of large liver volumes carries a small risk of cryoshock.",
    # plain words for the same content
    "Tumours of 3 cm or smaller achieve the highest complete ablation rates.",
    "In published registry data, major complications occur in 5–10% of cases, "
    "including bleeding, a collection of bile and an abscess.",
    "Most people are admitted overnight; for uncomplicated cases, discharge to a "
    "day facility is possible.",
    "TACE followed by cryoablation is a well-established strategy in Chinese "
    "hepatology centres for intermediate HCC.",
    "The risk is small, and it is not seen with RFA.",
    # a term of the source in brackets
    "(haemorrhage)",
]

NOT_STATED = [
    # found by the clinical review (issue 12)
    "Freezing does not have this problem.",
    "New yellowing, especially after a procedure, needs urgent medical attention.",
    "Other treatments, such as TACE or systemic therapy, may fit your situation "
    "better.",
    "The published criteria accept B7 but not B8 or B9.",
    "Several studies found the treated tumour completely destroyed.",
    "If none of them mentions it, there is probably none.",
    # negations never match a line that says otherwise
    "Child-Pugh B8 patients cannot have cryoablation.",
    "Cryoablation has no side effects.",
    # explanations and framing
    "(a pocket of infection)",
    "Platelets are blood cells that help blood to clot.",
    "Yes.",
    "No.",
    "All right.",
]


@pytest.mark.parametrize("sentence", STATED)
def test_sentences_the_source_states(sentence):
    assert supported(sentence), [
        (s.score, sorted(s.missing), s.line) for s in unit_support(sentence)
    ]


@pytest.mark.parametrize("sentence", NOT_STATED)
def test_sentences_the_source_does_not_state(sentence):
    assert not supported(sentence)


def test_the_rule_is_the_documented_one():
    assert THRESHOLD == 0.6 and MIN_WORDS == 3
    # One clause below the threshold is enough to need the register.
    half = "Cryoablation of large liver volumes carries a small risk of cryoshock"
    assert supported(half + ".")
    assert not supported(half + "; nurses bring warm blankets and soup.")


def test_lay_synonyms_and_stems_meet_the_sources_words():
    assert content_words("tumours") == content_words("lesion")
    assert content_words("bleeding") == content_words("haemorrhage")
    assert "not" in content_words("it doesn't") and "all" in content_words("all")


def test_a_text_is_split_into_sentences_and_brackets():
    text = (
        'Bilirubin is on the LFT report, line "T. Bil" (sometimes "TBIL"). '
        "Type it.\n- **Probes**: 1–3 probes; {reasons}"
    )
    assert units(text) == [
        'Bilirubin is on the LFT report, line "T. Bil".',
        '(sometimes "TBIL")',
        "Type it.",
        "Probes: 1–3 probes; {reasons}",
    ]
    assert sentences("A (b. c). D") == ["A (b. c).", "D"]
    assert clauses("RFA: shorter; cheaper") == ["RFA", "shorter", "cheaper"]


def test_quotes_are_looked_up_in_the_source():
    assert in_source("discharge to a day facility is possible for uncomplicated cases")
    assert not in_source("going home the same day may be possible")
