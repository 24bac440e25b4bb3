"""HandoffPolicy in Rasa's own terms: a real tracker and domain, no model."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.handoff.policy import HandoffPolicy
from bot.settings import PROJECT_ROOT

DOMAIN = Domain.load(str(PROJECT_ROOT / "domain.yml"))


@pytest.fixture
def policy(tmp_path: Path) -> HandoffPolicy:
    return HandoffPolicy.create(
        HandoffPolicy.get_default_config(),
        LocalModelStorage(tmp_path),
        Resource("handoff"),
        ExecutionContext(graph_schema=None, model_id="m"),  # type: ignore[arg-type]
    )


def _tracker(*events) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("web:x", list(events), DOMAIN.slots)


def _user(text: str, intent: str) -> UserUttered:
    return UserUttered(text, intent={"name": intent, "confidence": 1.0})


def _predicted(policy: HandoffPolicy, tracker: DialogueStateTracker):
    prediction = policy.predict_action_probabilities(tracker, DOMAIN)
    if max(prediction.probabilities) == 0:
        return None
    return DOMAIN.action_names_or_texts[prediction.max_confidence_index]


def test_active_handoff_relays_and_then_listens(policy: HandoffPolicy) -> None:
    tracker = _tracker(
        ActionExecuted("action_listen"),
        SlotSet("handoff", "active"),
        ActionExecuted("action_listen"),
        _user("bilirubin 1.2", "inform"),
    )
    assert _predicted(policy, tracker) == "action_handoff_relay"
    tracker.update(ActionExecuted("action_handoff_relay"))
    assert _predicted(policy, tracker) == "action_listen"


def test_urgent_symptoms_are_left_to_the_rules(policy: HandoffPolicy) -> None:
    tracker = _tracker(
        SlotSet("handoff", "active"),
        ActionExecuted("action_listen"),
        _user("he is vomiting blood", "urgent_symptoms"),
    )
    assert _predicted(policy, tracker) is None


def test_a_phone_number_after_a_request_is_not_a_lab_value(
    policy: HandoffPolicy,
) -> None:
    # The NLU reads the digits as lab values ("inform"); the policy does not.
    tracker = _tracker(
        ActionExecuted("action_request_human"),
        SlotSet("handoff", "waiting"),
        ActionExecuted("action_listen"),
        _user("my number is +91 98765 43210", "inform"),
    )
    assert _predicted(policy, tracker) == "action_handoff_contact"


def test_yes_answers_only_the_offer_of_the_last_turn(policy: HandoffPolicy) -> None:
    tracker = _tracker(
        ActionExecuted("action_request_human"),
        SlotSet("handoff_offer", "callback"),
        ActionExecuted("action_listen"),
        _user("yes", "affirm"),
    )
    assert _predicted(policy, tracker) == "action_handoff_answer"
    tracker.update(ActionExecuted("utter_anything_else"))
    tracker.update(ActionExecuted("action_listen"))
    tracker.update(_user("yes", "affirm"))
    assert _predicted(policy, tracker) is None


def test_priority_beats_rule_policy_on_a_tie(policy: HandoffPolicy) -> None:
    from rasa.core.constants import RULE_POLICY_PRIORITY

    assert policy.priority > RULE_POLICY_PRIORITY
