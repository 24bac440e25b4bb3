"""Realistic replies to the screening's questions, and the field each must set.

Each row: the question on screen, what a patient or relative types (lay words,
hedges, negations, restatements of another field, numbers with and without
units, typos, a button's title typed), the field that must change and its new
value. Every row runs twice, with the intent the topic model would give an
answer ("inform") and with the one it sometimes wrongly gives ("faq"): inside
the form, the intent never decides whether a message is an answer.
"""

import pytest

from bot.screening.state import next_question
from bot.screening.values import MAIN_FIELDS

# Values that came before each question, so that it is the one on screen.
BEFORE = {
    "diagnosis": "hcc",
    "lesion_count": 1,
    "max_lesion_cm": 2.0,
    "bilirubin_mg_dl": 1.0,
    "platelets_per_ul": 150000,
    "albumin_g_dl": 3.6,
    "inr": 1.1,
    "ascites": "none",
}
ORDER = [*MAIN_FIELDS, "child_pugh", "albumin_g_dl", "inr", "ascites", "encephalopathy"]


def on_screen(question):
    """Slots for which ``question`` is the question on screen."""
    slots = {"health_consent": True}
    for name in ORDER[: ORDER.index(question)]:
        if name != "child_pugh":
            slots[name] = BEFORE[name]
    if question in ("albumin_g_dl", "inr", "ascites", "encephalopathy"):
        slots["screening_state"] = {"route": "compute"}
    assert next_question(slots) == question
    return slots


REPLIES = [
    # question, reply, field set, value
    # -- the diagnosis --------------------------------------------------------------
    ("diagnosis", "it started in his liver", "diagnosis", "hcc"),
    ("diagnosis", "HCC", "diagnosis", "hcc"),
    ("diagnosis", "hepatocellular carcinoma, the biopsy said", "diagnosis", "hcc"),
    ("diagnosis", "I think it is a hepatoma", "diagnosis", "hcc"),
    ("diagnosis", "the cancer spread from his bowel", "diagnosis", "metastasis"),
    ("diagnosis", "colon cancer that went to the liver", "diagnosis", "metastasis"),
    ("diagnosis", "secondaries from breast cancer", "diagnosis", "metastasis"),
    (
        "diagnosis",
        "it did not start in the liver, it came from the pancreas",
        "diagnosis",
        "metastasis",
    ),
    ("diagnosis", "no, it's not primary", "diagnosis", "metastasis"),
    ("diagnosis", "mets", "diagnosis", "metastasis"),
    ("diagnosis", "cholangiocarcinoma", "diagnosis", "other"),
    ("diagnosis", "something else", "diagnosis", "other"),
    ("diagnosis", "Started in the liver (HCC)", "diagnosis", "hcc"),  # a title
    # -- the number of tumours ------------------------------------------------------
    ("lesion_count", "2", "lesion_count", 2),
    ("lesion_count", "just one", "lesion_count", 1),
    ("lesion_count", "two tumours", "lesion_count", 2),
    ("lesion_count", "there are three", "lesion_count", 3),
    ("lesion_count", "a single lesion", "lesion_count", 1),
    ("lesion_count", "I think 2", "lesion_count", 2),
    ("lesion_count", "only one, in segment 6", "lesion_count", 1),
    ("lesion_count", "3 spots on the scan", "lesion_count", 3),
    # -- the size of the largest ----------------------------------------------------
    ("max_lesion_cm", "28 mm", "max_lesion_cm", 2.8),
    ("max_lesion_cm", "2.8cm", "max_lesion_cm", 2.8),
    ("max_lesion_cm", "about 3 cm", "max_lesion_cm", 3.0),
    ("max_lesion_cm", "the biggest is 4.2 x 3.1 cm", "max_lesion_cm", 4.2),
    ("max_lesion_cm", "roughly 35 millimetres", "max_lesion_cm", 3.5),
    ("max_lesion_cm", "5cm", "max_lesion_cm", 5.0),
    # -- bilirubin ------------------------------------------------------------------
    ("bilirubin_mg_dl", "1.2 mg/dl", "bilirubin_mg_dl", 1.2),
    ("bilirubin_mg_dl", "34 umol/L", "bilirubin_mg_dl", 1.99),
    ("bilirubin_mg_dl", "bilirubin is about 1.5 mg/dL", "bilirubin_mg_dl", 1.5),
    ("bilirubin_mg_dl", "he has a bilirubin of 17.1 µmol/L", "bilirubin_mg_dl", 1.0),
    ("bilirubin_mg_dl", "billirubin 1.1 mg/dl", "bilirubin_mg_dl", 1.1),
    # -- platelets ------------------------------------------------------------------
    ("platelets_per_ul", "1.5 lakh", "platelets_per_ul", 150000),
    ("platelets_per_ul", "80k", "platelets_per_ul", 80000),
    ("platelets_per_ul", "150000", "platelets_per_ul", 150000),
    ("platelets_per_ul", "around 90 thousand", "platelets_per_ul", 90000),
    ("platelets_per_ul", "PLT 65 x10^9/L", "platelets_per_ul", 65000),
    ("platelets_per_ul", "1,20,000 /cumm", "platelets_per_ul", 120000),
    ("platelets_per_ul", "120", "platelets_per_ul", 120000),
    ("platelets_per_ul", "platlets 80k", "platelets_per_ul", 80000),
    # -- Child-Pugh -----------------------------------------------------------------
    ("child_pugh", "A", "child_pugh", "A"),
    ("child_pugh", "B7", "child_pugh", "B7"),
    ("child_pugh", "child pugh class b score 8", "child_pugh", "B8"),
    ("child_pugh", "I think it's A6", "child_pugh", "A6"),
    ("child_pugh", "class C", "child_pugh", "C"),
    # -- albumin and INR ------------------------------------------------------------
    ("albumin_g_dl", "3.1", "albumin_g_dl", 3.1),
    ("albumin_g_dl", "31 g/L", "albumin_g_dl", 3.1),
    ("albumin_g_dl", "about 3.5 g/dl", "albumin_g_dl", 3.5),
    ("albumin_g_dl", "28", "albumin_g_dl", 2.8),
    ("inr", "1.4", "inr", 1.4),
    ("inr", "INR 1.1", "inr", 1.1),
    ("inr", "around 1.3", "inr", 1.3),
    # -- fluid in the belly, in lay words -------------------------------------------
    ("ascites", "yes, a small amount", "ascites", "mild"),
    ("ascites", "only a little", "ascites", "mild"),
    ("ascites", "yes, mild", "ascites", "mild"),
    ("ascites", "not much", "ascites", "mild"),
    ("ascites", "a bit of flud", "ascites", "mild"),
    ("ascites", "they had to drain it last month", "ascites", "moderate"),
    ("ascites", "a lot, his belly is very swollen", "ascites", "severe"),
    ("ascites", "Moderate or severe", "ascites", "moderate"),  # a title
    # -- confusion or drowsiness, in lay words --------------------------------------
    ("encephalopathy", "no", "encephalopathy", "none"),
    ("encephalopathy", "he has never been confused", "encephalopathy", "none"),
    ("encephalopathy", "not confussed at all", "encephalopathy", "none"),
    ("encephalopathy", "he's sharp as ever", "encephalopathy", "none"),
    ("encephalopathy", "a bit confused sometimes", "encephalopathy", "mild"),
    ("encephalopathy", "slightly drowsy at times", "encephalopathy", "mild"),
    ("encephalopathy", "grade 2", "encephalopathy", "mild"),
    ("encephalopathy", "very confused, it was bad", "encephalopathy", "severe"),
    # -- a negation, restatement or correction about ANOTHER field ------------------
    ("ascites", "no, he is not confused", "encephalopathy", "none"),
    (
        "encephalopathy",
        "just to be clear, the fluid in his belly is only mild",
        "ascites",
        "mild",
    ),
    (
        "encephalopathy",
        "fix the confusion, he has never been confused",
        "encephalopathy",
        "none",
    ),
    ("platelets_per_ul", "sorry, his bilirubin is 1.9 mg/dl", "bilirubin_mg_dl", 1.9),
    ("lesion_count", "it's HCC, and there are 2 tumours", "lesion_count", 2),
    ("bilirubin_mg_dl", "the biggest one is 3 cm", "max_lesion_cm", 3.0),
    ("inr", "albumin was 3.2 actually", "albumin_g_dl", 3.2),
    ("ascites", "no fluid and no confusion", "ascites", "none"),
    ("diagnosis", "two tumours, the largest 2 cm", "lesion_count", 2),
    ("albumin_g_dl", "like I said, one tumour", "lesion_count", 1),
]


def test_the_table_is_large_enough():
    assert len(REPLIES) >= 60


@pytest.mark.parametrize("intent", ["inform", "faq"])
@pytest.mark.parametrize(
    "question, reply, field, value",
    REPLIES,
    ids=[f"{q}: {r}" for q, r, _, _ in REPLIES],
)
def test_each_reply_sets_its_field(chat, intent, question, reply, field, value):
    c = chat(**on_screen(question))
    turn = c.say(reply, intent=intent)
    assert not turn.detour, "an answer must never be left to the FAQ"
    if field != question and c.value(question) is not None:
        # Another field was named: the question on screen keeps its own value.
        assert c.value(question) == BEFORE.get(question)
    assert c.value(field) == value


@pytest.mark.parametrize(
    "question, reply, other",
    [
        ("ascites", "no, he is not confused", "ascites"),
        (
            "encephalopathy",
            "just to be clear, the fluid in his belly is only mild",
            "encephalopathy",
        ),
        ("platelets_per_ul", "sorry, his bilirubin is 1.9 mg/dl", "platelets_per_ul"),
    ],
)
def test_a_statement_about_another_field_leaves_the_question_on_screen_open(
    chat, question, reply, other
):
    c = chat(**on_screen(question))
    c.say(reply, intent="deny")
    assert c.value(other) is None
    assert c.asked == question


UNIT_ASKED = [
    # question, reply, unit question, unit answer, value
    ("bilirubin_mg_dl", "1.2", "bilirubin_unit", "mg/dL", 1.2),
    ("bilirubin_mg_dl", "about 34", "bilirubin_unit", "it says umol/l", 1.99),
    ("bilirubin_mg_dl", "T.bil 0.8", "bilirubin_unit", "mg", 0.8),
    ("max_lesion_cm", "3", "lesion_size_unit", "cm", 3.0),
    ("max_lesion_cm", "the largest is 25", "lesion_size_unit", "in mm", 2.5),
]


@pytest.mark.parametrize("question, reply, unit_question, unit, value", UNIT_ASKED)
def test_a_number_without_its_unit_is_asked_about(
    chat, question, reply, unit_question, unit, value
):
    c = chat(**on_screen(question))
    c.say(reply)
    assert c.asked == unit_question
    c.say(unit)
    assert c.value(question) == value


@pytest.mark.parametrize(
    "question, reply, asked",
    [
        ("diagnosis", "he has liver cancer", "diagnosis_origin"),
        ("ascites", "yes", "ascites_amount"),
        ("encephalopathy", "yes, he gets confused", "encephalopathy_severity"),
    ],
)
def test_an_answer_that_does_not_say_which_is_asked_about(chat, question, reply, asked):
    c = chat(**on_screen(question))
    c.say(reply, intent="faq")
    assert c.value(question) is None
    assert c.asked == asked


@pytest.mark.parametrize(
    "question, reply",
    [("lesion_count", "3 or 4 i think"), ("lesion_count", "two or three")],
)
def test_a_hesitation_between_two_numbers_is_asked_again(chat, question, reply):
    c = chat(**on_screen(question))
    c.say(reply)
    assert c.value(question) is None
    assert c.responses == ["utter_screening_value_unclear"]
    assert c.asked == question


@pytest.mark.parametrize(
    "question, reply, asked, responses",
    [
        # "I don't know" said while naming the field on screen is not a question
        # about it (the Child-Pugh class is then offered to be worked out).
        ("child_pugh", "i dont know what child pugh is", "child_pugh_offer", []),
        (
            "bilirubin_mg_dl",
            "I don't know the bilirubin",
            "screening_skip_offer",
            ["utter_screening_help_bilirubin_mg_dl"],
        ),
    ],
)
def test_not_knowing_the_field_on_screen_is_an_answer(
    chat, question, reply, asked, responses
):
    c = chat(**on_screen(question))
    c.say(reply, intent="faq")
    assert c.asked == asked
    assert [r for r in c.responses if r.startswith("utter_screening_help")] == (
        responses
    )
