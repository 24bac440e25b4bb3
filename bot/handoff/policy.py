"""A small dialogue policy that keeps the bot quiet while a coordinator has the chat.

Why a policy and not Rasa's ``ConversationPaused``: a paused conversation
runs no action at all, so a patient describing emergency signs to a busy
coordinator would get no emergency advice. Why not rules: rules cannot say
"any intent except these", so every intent (and every intent added later)
would need its own rule conditioned on a slot, and rules cannot look for a
phone number in the text.

:class:`HandoffPolicy` reads the ``handoff`` and ``handoff_offer`` slots and
the new message and applies :func:`bot.handoff.dialogue.decide`; when that
has nothing to say it abstains (all zeros) and the rules decide. After its own
actions it predicts ``action_listen``. It has no TensorFlow, nothing to learn
and nothing to store, and its priority is above ``RulePolicy``'s so that a
tie goes to it.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Dict, List, Optional, Text

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from bot.handoff.dialogue import (
    HANDOFF_SLOT,
    OFFER_KINDS,
    OFFER_SLOT,
    OWN_ACTIONS,
    decide,
)

logger = logging.getLogger(__name__)

#: Above RulePolicy (4 in Rasa 3.6), so a tie at confidence 1.0 goes to us.
HANDOFF_POLICY_PRIORITY = 6


def pending_offer(tracker: DialogueStateTracker) -> Optional[str]:
    """The ``handoff_offer`` set in the bot's turn before the newest message.

    The same rule as :func:`bot.handoff.dialogue.pending_offer`, over Rasa's
    event objects: look back from the newest patient message to the previous
    one.
    """
    seen_newest = False
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            if seen_newest:
                return None
            seen_newest = True
        elif seen_newest and isinstance(event, SlotSet) and event.key == OFFER_SLOT:
            return event.value if event.value in OFFER_KINDS else None
    return None


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class HandoffPolicy(Policy):
    """Relay patient messages to the coordinator; answer handoff offers (see module)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Priority above RulePolicy; nothing else to configure."""
        return {"priority": HANDOFF_POLICY_PRIORITY}

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        featurizer: Any = None,
    ) -> None:
        """Create the policy (there is nothing to load)."""
        super().__init__(config, model_storage, resource, execution_context, featurizer)

    def train(
        self,
        training_trackers: List[TrackerWithCachedStates],
        domain: Domain,
        **kwargs: Any,
    ) -> Resource:
        """Nothing to learn; store the configuration so the model is self-describing."""
        with self._model_storage.write_to(self._resource) as path:
            (path / "handoff_policy.json").write_text(
                json.dumps({"priority": self.priority}), encoding="utf-8"
            )
        return self._resource

    def _predict(self, domain: Domain, action: Optional[str]) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        if action is not None:
            probabilities[domain.index_for_action(action)] = 1.0
        return self._prediction(probabilities)

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Optional[Dict[Text, Any]] = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        """Relay, answer an offer, take contact details, listen, or abstain."""
        latest_action = tracker.latest_action_name
        if latest_action in OWN_ACTIONS:
            return self._predict(domain, ACTION_LISTEN_NAME)
        if latest_action != ACTION_LISTEN_NAME or tracker.latest_message is None:
            return self._predict(domain, None)
        message = tracker.latest_message
        intent = (message.intent or {}).get("name") or ""
        state = (
            tracker.get_slot(HANDOFF_SLOT) if HANDOFF_SLOT in tracker.slots else None
        )
        action = decide(
            state=state,
            intent=intent,
            text=message.text or "",
            offer=pending_offer(tracker),
        )
        if action is not None:
            logger.debug("HandoffPolicy: %s (handoff=%s)", action, state)
        return self._predict(domain, action)
