"""From the model's ranking to a decision: scope first, follow-ups, stories.

The model is a stub that ranks by keywords, so each rule of
bot/nlp/understanding.py is tested on its own.
"""

import pytest

from bot.nlp.understanding import FOLLOWUP_ENTITY, decide, is_question, second_topics

KEYWORDS = {
    "hurt": "faq/pain",
    "pain": "faq/pain",
    "cost": "faq/cost",
    "price": "faq/cost",
    "safe": "faq/risks",
    "stay": "faq/recovery",
    "hospital": "faq/recovery",
    "spots": "faq/liver_metastases",
    "bile": "faq/bile_duct",
    "scared": "feelings",
    "bleeding": "urgent_symptoms",
}


def rank_one(text):
    """A stub model: the first keyword decides, with 0.9 (0.5 for a long
    message, where a real model is less sure: its words are diluted)."""
    lowered = text.lower()
    confidence = 0.5 if len(text) > 80 else 0.9
    for word, label in KEYWORDS.items():
        if word in lowered:
            others = sorted(set(KEYWORDS.values()) - {label})
            rest = [(lab, (1 - confidence) / len(others)) for lab in others]
            return [(label, confidence)] + rest
    return [("faq/what_is_cryoablation", 0.2), ("greet", 0.1)]


def rank(texts):
    """The batch form :func:`decide` calls."""
    return [rank_one(t) for t in texts]


def top(decision):
    return decision.ranking[0]


def test_an_organ_outside_the_domain_wins_over_the_topic_its_words_resemble():
    decision = decide("does freezing a kidney tumour hurt?", rank)
    assert top(decision) == ("out_of_scope", 1.0)
    assert decision.scope.verdict == "out_of_domain"


def test_a_liver_question_the_source_does_not_cover_is_never_a_neighbour():
    decision = decide("how much paracetamol after the cryo, and what dose", rank)
    assert top(decision)[0] == "not_covered"


def test_a_covered_question_beside_an_uncovered_one_is_answered_saying_so():
    text = "how long is the hospital stay and can he drink alcohol after"
    decision = decide(text, rank)
    assert top(decision)[0] == "faq/recovery"
    assert decision.followup.kind == "uncovered"
    assert decision.followup.value == "not_covered/alcohol"
    start, end = decision.followup.span
    assert text[start:end] == "can he drink alcohol after"


def test_two_questions_give_the_main_answer_and_the_second_topic():
    text = "does it hurt? and what is the price"
    decision = decide(text, rank)
    assert top(decision)[0] == "faq/pain"
    assert decision.followup.value == "faq/cost"
    entity = decision.followup.as_entity(text)
    assert entity["entity"] == FOLLOWUP_ENTITY
    assert text[entity["start"] : entity["end"]] == "what is the price"


def test_context_before_the_one_question_is_not_a_second_question():
    text = "the tumour is near the bile duct, is it still safe?"
    assert decide(text, rank).followup is None


def test_the_question_at_the_end_of_a_story_counts():
    story = (
        "My mother had colon surgery last year and a long hospital stay, she "
        "is doing ok now. The scan shows 3 small spots in the liver. "
        "Can the ablation help these spots?"
    )
    # The whole message alone would be answered about the hospital stay.
    assert rank_one(story)[0][0] == "faq/recovery"
    assert top(decide(story, rank))[0] == "faq/liver_metastases"


@pytest.mark.parametrize(
    "text",
    ["my dad is bleeding, is it the kidney cancer?", "i'm so scared of the prostate"],
)
def test_safety_and_feelings_are_never_overridden_by_scope(text):
    assert top(decide(text, rank))[0] in {"urgent_symptoms", "feelings"}


def test_a_cancer_named_as_where_metastases_came_from_is_not_out_of_scope():
    decision = decide("metastases from breast cancer, 2 lesions", rank)
    assert top(decision)[0] != "out_of_scope"


def test_a_kidney_tumour_with_a_size_is_still_out_of_scope():
    decision = decide("my uncle has a kidney tumour 3 cm, is the price ok", rank)
    assert top(decision)[0] == "out_of_scope"


@pytest.mark.parametrize(
    "text",
    ["this is all too much 😭", "you're not helping", "we are losing hope"],
)
def test_unsure_and_upset_means_feelings_never_topic_buttons(text):
    assert top(decide(text, rank))[0] == "feelings"


def test_a_confident_question_from_a_frightened_person_is_answered():
    assert top(decide("i'm scared, does it hurt?", rank))[0] == "faq/pain"


def test_a_vague_last_question_leaves_the_story_to_decide():
    story = (
        "my mother had bowel surgery last year and now the scan shows 2 small "
        "spots in her liver, 1.8 and 2.2 cm. pls can this help her?"
    )
    label, confidence = top(decide(story, rank))
    assert label == "faq/liver_metastases" and confidence > 0.35


@pytest.mark.parametrize(
    "text, asks",
    [
        ("sorry i meant is it painful for her", True),
        ("i want to know how long it takes", True),
        ("is it safe", True),
        ("kya yeh safe hai", True),
        ("price?", True),
        ("my father is 70", False),
        ("we live in Lagos", False),
    ],
)
def test_is_question(text, asks):
    assert is_question(text) is asks


def test_second_topics_reads_only_followup_entities():
    entities = [
        {"entity": "bilirubin_mg_dl", "value": 1.2},
        {"entity": FOLLOWUP_ENTITY, "value": "faq/cost"},
    ]
    assert second_topics(entities) == ["faq/cost"]
