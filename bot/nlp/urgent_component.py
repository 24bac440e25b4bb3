"""Rasa 3.6 component: the urgent-symptom guard, last in the NLU pipeline.

The intent model can be unsure (then the ``FallbackClassifier`` replaces its
answer by ``nlu_fallback``) or simply wrong. For one intent that is not
acceptable: a message describing possible emergency signs must reach the
``urgent_symptoms`` rule (emergency advice first, top-priority escalation)
whatever the model or the fallback said. This component runs after both and
applies :func:`bot.nlp.urgent.assess_urgency`:

* ``urgent`` -> the intent becomes ``urgent_symptoms`` with confidence 1.0, and
  ``urgent_symptoms`` moves to the top of ``intent_ranking``;
* ``not_urgent`` while the model said ``urgent_symptoms`` (an ordinary
  question such as "can it cause bleeding?") -> the next intent of the ranking
  takes its place, so the patient gets an answer, not an alarm;
* ``unclear`` -> the model's prediction stands.

The assessment is always added to the parse result as ``urgency`` (level,
signs, matched spans) for the actions, the console and the logs.

Quick-reply payloads ("/faq/risks", "/affirm") are left alone: the patient
pressed a button, there is nothing to read (Rasa's ``RegexMessageHandler``,
which runs after the pipeline, resolves them). The one exception is the
``/urgent_symptoms`` payload, which is made certain here too, so that the
guard's own output is right whichever graph runs it.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.nlp.urgent import NOT_URGENT, URGENT, assess_urgency

logger = logging.getLogger(__name__)

URGENT_INTENT = "urgent_symptoms"
URGENCY_KEY = "urgency"
_URGENT_PAYLOAD = "/" + URGENT_INTENT


def _urgent_payload(text: str) -> bool:
    """``/urgent_symptoms``, possibly with entities (``/urgent_symptoms{...}``)."""
    return text == _URGENT_PAYLOAD or text.startswith(_URGENT_PAYLOAD + "{")


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False
)
class UrgentSymptomGuard(IntentClassifier, GraphComponent):
    """Forces ``urgent_symptoms`` on described emergency signs (module docstring)."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """No options: the rules live in :mod:`bot.nlp.urgent`."""
        return {}

    def __init__(self, config: Dict[str, Any]) -> None:
        """Keep the (empty) configuration."""
        self.component_config = config

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> UrgentSymptomGuard:
        """Return a ready component: there is nothing to train or load."""
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        """Override, demote or keep the predicted intent of each message.

        Args:
            messages: parsed messages, with the intent and ranking set by the
                classifier and the fallback before this component.

        Returns:
            The same messages, changed in place.

        """
        for message in messages:
            text = (message.get(TEXT) or "").strip()
            if text.startswith("/"):
                if _urgent_payload(text):
                    message.set(
                        URGENCY_KEY,
                        {
                            "level": URGENT,
                            "signs": [],
                            "matched": [],
                            "source": "button",
                        },
                        add_to_output=True,
                    )
                    self._make_urgent(message)
                continue

            result = assess_urgency(text)
            message.set(
                URGENCY_KEY, {**result.as_dict(), "source": "rules"}, add_to_output=True
            )
            predicted = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            if result.level == URGENT:
                if predicted != URGENT_INTENT:
                    logger.info(
                        "Urgent signs %s override intent %r", result.signs, predicted
                    )
                self._make_urgent(message)
            elif result.level == NOT_URGENT and predicted == URGENT_INTENT:
                logger.info("No described emergency sign: demoting urgent_symptoms")
                self._demote(message)
        return messages

    @staticmethod
    def _make_urgent(message: Message) -> None:
        top = {INTENT_NAME_KEY: URGENT_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}
        ranking = [
            entry
            for entry in message.get(INTENT_RANKING_KEY) or []
            if entry.get(INTENT_NAME_KEY) != URGENT_INTENT
        ]
        message.set(INTENT, top, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [top, *ranking], add_to_output=True)

    @staticmethod
    def _demote(message: Message) -> None:
        ranking = [
            entry
            for entry in message.get(INTENT_RANKING_KEY) or []
            if entry.get(INTENT_NAME_KEY) != URGENT_INTENT
        ]
        replacement: Dict[str, Any] | None = ranking[0] if ranking else None
        if replacement is None:
            # Nothing else was ranked: ask the patient what they meant.
            replacement = {
                INTENT_NAME_KEY: DEFAULT_NLU_FALLBACK_INTENT_NAME,
                PREDICTED_CONFIDENCE_KEY: 0.0,
            }
            ranking = [replacement]
        message.set(INTENT, dict(replacement), add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
