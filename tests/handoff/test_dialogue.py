"""What the bot does with a message during a handoff (the policy's one decision)."""

import pytest

from bot.handoff.dialogue import decide, pending_offer

NUMBER = "my number is +91 98765 43210"


@pytest.mark.parametrize(
    "state, intent, text, offer, expected",
    [
        # A coordinator has the chat: everything is relayed...
        ("active", "faq", "how much does it cost", None, "action_handoff_relay"),
        ("active", "inform", "bilirubin 1.2", None, "action_handoff_relay"),
        ("active", "nlu_fallback", "hmm", None, "action_handoff_relay"),
        ("active", "request_human", "/request_human", None, "action_handoff_relay"),
        ("active", "affirm", "yes", "callback", "action_handoff_relay"),
        ("active", "give_contact", NUMBER, None, "action_handoff_relay"),
        # ...except emergencies, the way out, and privacy rights.
        ("active", "urgent_symptoms", "he is vomiting blood", None, None),
        ("active", "cancel_handoff", "never mind", None, None),
        ("active", "delete_data", "delete my data", None, None),
        ("active", "withdraw_consent", "I withdraw consent", None, None),
        # Triggered by the console: always the rules.
        ("active", "EXTERNAL_handoff_finished", "", None, None),
        ("waiting", "EXTERNAL_handoff_unclaimed", "", None, None),
        # A yes/no right after a handoff offer answers it.
        (None, "affirm", "yes", "callback", "action_handoff_answer"),
        (None, "deny", "no", "contact_confirm", "action_handoff_answer"),
        (None, "affirm", "yes", "clarification", "action_handoff_answer"),
        (None, "affirm", "yes", "screening_needs_review", "action_handoff_answer"),
        (None, "affirm", "yes", None, None),
        (None, "affirm", "yes", "something_else", None),
        # A number typed after asking for a person: contact details, not labs.
        ("waiting", "inform", NUMBER, None, "action_handoff_contact"),
        ("waiting", "nlu_fallback", "+91 98765 43210", None, "action_handoff_contact"),
        (None, "inform", NUMBER, "contact", "action_handoff_contact"),
        ("waiting", "inform", "bilirubin 1.2 platelets 150000", None, None),
        ("waiting", "urgent_symptoms", NUMBER + " he is bleeding", None, None),
        # No handoff: the rules decide.
        (None, "inform", NUMBER, None, None),
        (None, "faq", "what is it", None, None),
    ],
)
def test_decision_table(state, intent, text, offer, expected):
    assert decide(state=state, intent=intent, text=text, offer=offer) == expected


def test_an_offer_counts_only_in_the_turn_after_it():
    offer = {"event": "slot", "name": "handoff_offer", "value": "callback"}
    user = {"event": "user", "text": "x"}
    bot = {"event": "bot", "text": "y"}
    # As the action server sees it: Rasa adds bookkeeping after the message.
    featurization = {"event": "user_featurization", "use_text_for_featurization": False}
    assert pending_offer([user, offer, bot, user]) == "callback"
    assert pending_offer([user, offer, bot, user, featurization]) == "callback"
    assert pending_offer([user, offer, bot, user, bot, user]) is None
    assert pending_offer([offer, user, {"event": "slot", "name": "x"}, user]) is None
    assert pending_offer([offer]) is None
