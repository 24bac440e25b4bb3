"""Rasa 3.6 component: intent classification and FAQ response selection in one.

It replaces the TensorFlow ``DIETClassifier`` + ``ResponseSelector`` pair of the
usual FAQ recipe with :class:`bot.nlp.topic_model.TopicModel`, which loads in
milliseconds. Its output has exactly the shape Rasa's own components produce:

* ``intent`` / ``intent_ranking`` — ``faq`` for any FAQ topic, with the topic's
  probability as its confidence, so the ``FallbackClassifier`` after it asks
  for clarification when the *topic* is uncertain;
* ``response_selector`` — what ``ActionRetrieveResponse`` (``utter_faq``) reads
  to pick ``utter_faq/<topic>``, plus the topic ranking used for the clarifying
  buttons.

Two inputs are decided without the model: a quick-reply payload
``/faq/<topic>`` selects that topic with certainty, and a message written
mostly in a non-Latin script gets the ``other_language`` intent (the bot
answers in English only, and says so).

Every other message goes through :func:`bot.nlp.understanding.decide`: the
scope check (another organ, another use of freezing, an uncovered liver
subject) comes before the topic, long stories are read for their question,
and a second FAQ question or an uncovered subject next to a covered question
is reported as a ``faq_followup`` entity, which the dialogue answers after
the main answer (``action_faq_followup``). The scope verdict is added to the
parse result as ``scope`` for the actions.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.faq import RETRIEVAL_INTENT
from bot.nlp.text_features import non_latin_share
from bot.nlp.topic_model import TopicModel
from bot.nlp.understanding import decide

logger = logging.getLogger(__name__)

OTHER_LANGUAGE_INTENT = "other_language"
_FAQ_PAYLOAD = re.compile(r"^/faq/([a-z_]+)$")


def _label_of(example: Message) -> Optional[str]:
    """``faq/<topic>`` for retrieval examples, the intent name otherwise."""
    intent = example.get("intent")
    if not intent:
        return None
    return example.get("intent_response_key") or intent


def _intent_of(label: str) -> str:
    return label.split("/", 1)[0]


def _response_selector(ranking: List[Dict[str, Any]]) -> Dict[str, Any]:
    """The ``response_selector`` entry in the format of Rasa's ResponseSelector."""
    faq = [r for r in ranking if r["label"].startswith(RETRIEVAL_INTENT + "/")]
    best = faq[0] if faq else {"label": "", "confidence": 0.0}
    return {
        "all_retrieval_intents": [RETRIEVAL_INTENT],
        RETRIEVAL_INTENT: {
            "response": {
                "responses": None,
                "confidence": best["confidence"],
                "intent_response_key": best["label"],
                "utter_action": f"utter_{best['label']}",
            },
            "ranking": [
                {"confidence": r["confidence"], "intent_response_key": r["label"]}
                for r in faq[:10]
            ],
        },
    }


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True
)
class IntentTopicClassifier(IntentClassifier, GraphComponent):
    """Flat linear classifier over intents and FAQ topics (see module docstring)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Regularisation strength, ranking length, and the non-Latin threshold."""
        return {"c": 20.0, "ranking_length": 10, "other_language_share": 0.5}

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: Optional[Any] = None,
    ) -> None:
        """Keep the config, where to store the model, and the model if loaded."""
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._model = model

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "IntentTopicClassifier":
        """An untrained component."""
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Fit the model on every intent example and persist it."""
        texts, labels = [], []
        for example in training_data.intent_examples:
            label = _label_of(example)
            if label and example.get("text"):
                texts.append(example.get("text"))
                labels.append(label)
        self._model = TopicModel.fit(texts, labels, c=float(self._config["c"]))
        with self._model_storage.write_to(self._resource) as directory:
            self._model.save(directory)
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "IntentTopicClassifier":
        """Load the arrays written by :meth:`train` (no pickle involved)."""
        try:
            with model_storage.read_from(resource) as directory:
                model = TopicModel.load(directory)
        except (ValueError, FileNotFoundError):
            logger.warning("IntentTopicClassifier: no trained model found")
            model = None
        return cls(config, model_storage, resource, model)

    def process(self, messages: List[Message]) -> List[Message]:
        """Set intent, intent ranking and response selection on each message."""
        for message in messages:
            text = message.get("text") or ""
            ranking = self._rank(text, message)
            if not ranking:
                continue
            intents: Dict[str, float] = {}
            for entry in ranking:
                name = _intent_of(entry["label"])
                intents[name] = max(intents.get(name, 0.0), entry["confidence"])
            intent_ranking = [
                {"name": name, "confidence": conf}
                for name, conf in sorted(intents.items(), key=lambda kv: -kv[1])
            ][: int(self._config["ranking_length"])]
            message.set("intent", intent_ranking[0], add_to_output=True)
            message.set("intent_ranking", intent_ranking, add_to_output=True)
            message.set(
                "response_selector", _response_selector(ranking), add_to_output=True
            )
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Nothing to add to the training data."""
        return training_data

    def _rank(self, text: str, message: Message) -> List[Dict[str, Any]]:
        payload = _FAQ_PAYLOAD.match(text.strip())
        if payload:
            return [
                {"label": f"{RETRIEVAL_INTENT}/{payload.group(1)}", "confidence": 1.0}
            ]
        if (
            text.strip()
            and non_latin_share(text) > self._config["other_language_share"]
        ):
            return [{"label": OTHER_LANGUAGE_INTENT, "confidence": 1.0}]
        if self._model is None or not text.strip():
            return []
        model = self._model
        decision = decide(text, model.rank_many)
        message.set("scope", decision.scope.as_dict(), add_to_output=True)
        if decision.followup is not None:
            entities = list(message.get("entities") or [])
            entities.append(decision.followup.as_entity(text))
            message.set("entities", entities, add_to_output=True)
        known = set(model.labels)
        return [
            {"label": label, "confidence": conf}
            for label, conf in decision.ranking
            if label in known
        ]
