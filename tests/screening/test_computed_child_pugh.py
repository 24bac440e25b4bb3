"""A Child-Pugh class worked out in the conversation, wherever it is shown.

Spec "Child-Pugh": whenever the bot shows a computed class, it says that it
was worked out from the answers given and that the doctors may grade it
differently; spec "The outcome": computed B8-C is a team review, never
"unlikely suitable". Each message is rendered from its response, as the
patient reads it.
"""

import pathlib

import pytest
import yaml

from bot.eligibility import COMPUTED_FROM_ANSWERS, DOCTORS_MAY_GRADE

ROOT = pathlib.Path(__file__).resolve().parents[2]
RESPONSES = {
    name: variants
    for path in sorted((ROOT / "data/responses").glob("*.yml"))
    for name, variants in yaml.safe_load(path.read_text())["responses"].items()
}

HCC_SO_FAR = {
    "health_consent": True,
    "diagnosis": "hcc",
    "lesion_count": 1,
    "max_lesion_cm": 2.5,
    "bilirubin_mg_dl": 1.1,
    "platelets_per_ul": 120000,
    "screening_state": {"route": "compute"},
}


def rendered(replies):
    """The texts the patient reads, each response filled with its variables."""
    texts = []
    for name, variables in replies:
        (variant,) = RESPONSES[name]
        text = variant["text"]
        for key, value in variables.items():
            text = text.replace("{" + key + "}", str(value))
        texts.append(text)
    return texts


def says_how_it_was_obtained(text):
    lowered = " ".join(text.split()).lower()
    return COMPUTED_FROM_ANSWERS in lowered and DOCTORS_MAY_GRADE in lowered


@pytest.mark.parametrize(
    ("encephalopathy", "child_pugh", "outcome"),
    [("none", "B7", "likely_suitable"), ("mild", "B8", "needs_review")],
)
def test_every_message_that_shows_the_class_says_how_it_was_obtained(
    chat, encephalopathy, child_pugh, outcome
):
    c = chat(**HCC_SO_FAR, albumin_g_dl=3.1, inr=1.5, ascites="mild")
    c.say(encephalopathy)
    assert c.value("child_pugh") == child_pugh
    # The notice, as soon as it is worked out.
    notice = [
        text
        for text in rendered(c.replies)
        if f" {child_pugh}." in text or f" {child_pugh} " in text
    ]
    assert notice and all(says_how_it_was_obtained(text) for text in notice)
    # The read-back.
    assert c.asked == "screening_check"
    readback = c.slots["screening_readback"]
    line = next(x for x in readback.splitlines() if "Child-Pugh" in x)
    assert says_how_it_was_obtained(line), line
    # The result.
    c.say("All correct", intent="affirm")
    assert c.results == [outcome]
    result = " ".join(rendered(c.replies))
    assert says_how_it_was_obtained(result)
    assert "unlikely" not in result


def test_a_class_from_a_report_is_not_said_to_be_worked_out(chat):
    slots = {**HCC_SO_FAR, "screening_state": {}}
    c = chat(**slots)
    c.say("the clinic letter says Child-Pugh B8")
    assert c.asked == "screening_check"
    assert "Child-Pugh B8" in c.slots["screening_readback"]
    assert COMPUTED_FROM_ANSWERS not in c.slots["screening_readback"]
    c.say("All correct", intent="affirm")
    assert c.results == ["unlikely_suitable"]
    result = " ".join(rendered(c.replies))
    assert COMPUTED_FROM_ANSWERS not in result
    assert "TACE or systemic therapy" in result
    # Never bridging with "unlikely suitable" (one 2.5 cm HCC is within Milan).
    assert "transplant" not in result


def test_a_class_given_after_working_it_out_is_a_report_again(chat):
    c = chat(**HCC_SO_FAR, albumin_g_dl=3.1, inr=1.5, ascites="mild")
    c.say("mild")
    assert c.state["computed"] is True
    c.say("sorry, the letter from the hepatologist says Child-Pugh B8")
    assert c.state["computed"] is False
    c.say("All correct", intent="affirm")
    assert c.results == ["unlikely_suitable"]
