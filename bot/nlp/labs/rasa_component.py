"""Rasa 3.6 NLU component: lab values and tumour details as entities.

It runs :func:`bot.nlp.labs.extractor.extract_lab_findings` on each message
and adds one entity per field found, named after the field
(``bilirubin_mg_dl``, ``platelets_per_ul``, ``child_pugh``...), whose value is
the canonical value, so that slots filled from entities, the actions and the
tests all see the same numbers as ``bot.nlp.extract_labs``.

Ambiguous findings (a bilirubin without its unit, a bound such as "above
100k") are not entities by default: the value is not known. With
``ambiguous_entities: true`` each is added as ``<field>_ambiguous`` with the
number as typed, for a form that wants to ask which unit was meant.

Button payloads and other messages that start with "/" (``/inform{...}``) are
left alone: their entities come from the payload.

Importing this module imports Rasa's component base classes and the extractor
but not spaCy; the pipeline is built on the first message.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_CONFIDENCE,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlp.labs.extractor import extract_lab_findings

AMBIGUOUS_SUFFIX = "_ambiguous"
_SURROGATES = re.compile(r"[\ud800-\udfff]")


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False
)
class LabValueExtractor(GraphComponent, EntityExtractorMixin):
    """Rule-based extractor of lab values (spec/lab_extraction.md)."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """``ambiguous_entities``: also emit ``<field>_ambiguous`` entities."""
        return {"ambiguous_entities": False}

    def __init__(self, config: Dict[str, Any]) -> None:
        """Keep the configuration (merged with the defaults)."""
        self._config = {**self.get_default_config(), **(config or {})}

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LabValueExtractor:
        """Return a ready component: there is nothing to train or load."""
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        """Add the entities found in each message's text.

        Args:
            messages: the messages of one request.

        Returns:
            The same messages, with lab entities appended to ``entities``.

        """
        for message in messages:
            entities = self.entities_for(message.get(TEXT) or "")
            if entities:
                existing = list(message.get(ENTITIES, []) or [])
                message.set(ENTITIES, existing + entities, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Training data is left as it is (the rules need no training)."""
        return training_data

    def entities_for(self, text: str) -> List[Dict[str, Any]]:
        """Return the entities of one text, in the format of Rasa's extractors.

        Args:
            text: the user's message.

        Returns:
            ``[{"entity", "value", "start", "end", "confidence", "extractor"}]``.

        """
        if not text.strip() or text.lstrip().startswith("/"):
            return []
        # A lone surrogate (invalid Unicode from a client) cannot be encoded and
        # crashes spaCy's tokenizer; U+FFFD keeps every offset where it was.
        text = _SURROGATES.sub("\ufffd", text)

        entities = []
        for name, finding in extract_lab_findings(text).items():
            if finding.ambiguous or finding.value is None:
                if not self._config["ambiguous_entities"]:
                    continue
                entity_name, value = name + AMBIGUOUS_SUFFIX, finding.raw_value
            else:
                entity_name, value = name, finding.value
            entities.append(
                {
                    ENTITY_ATTRIBUTE_TYPE: entity_name,
                    ENTITY_ATTRIBUTE_VALUE: value,
                    ENTITY_ATTRIBUTE_START: finding.start,
                    ENTITY_ATTRIBUTE_END: finding.end,
                    ENTITY_ATTRIBUTE_CONFIDENCE: 1.0,
                }
            )
        return self.add_extractor_name(entities)
