"""Who the patient is: the writer or a relative (bot/nlp/relation.py)."""

import pytest

from bot.nlp.relation import NEUTRAL_POSS, NEUTRAL_REF, SELF, detect_patient

RELATIVES = [
    ("my father has hcc, is cryo possible", "father", "your father", "your father's"),
    ("My Dad's bilirubin is 1.4", "father", "your father", "your father's"),
    ("dad has cirrhosis, can he get it", "father", "your father", "your father's"),
    ("mere papa ki report aa gayi", "father", "your father", "your father's"),
    ("meri maa ko liver cancer hai", "mother", "your mother", "your mother's"),
    ("ammi ka ilaj kahan hoga", "mother", "your mother", "your mother's"),
    ("i am asking for my husband", "husband", "your husband", "your husband's"),
    (
        "my 74 year old grandmother",
        "grandmother",
        "your grandmother",
        "your grandmother's",
    ),
    (
        "my lola is scared of needles",
        "grandmother",
        "your grandmother",
        "your grandmother's",
    ),
    ("my tita in cebu has liver mets", "aunt", "your aunt", "your aunt's"),
    ("our mother was told about cryo", "mother", "your mother", "your mother's"),
    (
        "my father-in-law has a 3 cm tumour",
        "father_in_law",
        "your father-in-law",
        "your father-in-law's",
    ),
]

SELF_MESSAGES = [
    "I have liver cancer, is cryo for me?",
    "i was diagnosed with hcc last month",
    "my tumour is 2 cm",
    "my bilirubin is 1.1",
    "it is for me, not for a relative",
]

NOTHING = [
    "does it hurt?",
    "what is cryoablation",
    "ma'am what is the cost",
    "hi, my name is ahmed",
    # helpers, not patients
    "my son will handle this, have your staff ring him",
    "can someone call my son",
    "my daughter is typing for me",
    "my wife and I want to know the price",
    "wait sorry, my sister says there are 3 tumours not 2",
    "my husband asked if it hurts",
    "mujhe kisi insaan se baat karni hai",
    "my son read the report again, the bilirubin is 1.9",
    "",
]


@pytest.mark.parametrize("text, relation, ref, poss", RELATIVES)
def test_a_relative_is_recognised_as_the_patient(text, relation, ref, poss):
    patient = detect_patient(text)
    assert patient is not None
    assert (patient.relation, patient.ref, patient.poss) == (relation, ref, poss)


@pytest.mark.parametrize("text", SELF_MESSAGES)
def test_the_writer_as_the_patient(text):
    patient = detect_patient(text)
    assert patient is not None
    assert (patient.relation, patient.ref, patient.poss) == (SELF, "you", "your")


@pytest.mark.parametrize("text", NOTHING)
def test_messages_that_do_not_say_who_the_patient_is(text):
    assert detect_patient(text) is None


def test_the_writer_who_is_the_patient_wins_over_a_relative_named_later():
    assert detect_patient("I have HCC and my father had it too").relation == SELF


def test_neutral_wording_fits_both():
    assert (NEUTRAL_REF, NEUTRAL_POSS) == ("the patient", "the patient's")
