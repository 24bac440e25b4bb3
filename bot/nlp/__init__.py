"""Language processing: lab values from text, urgency detection, Rasa components.

``extract_labs`` is the public function of :mod:`bot.nlp.labs`; importing it
imports the extractor's rules but not spaCy (the pipeline is built on the
first message).
"""

from bot.nlp.labs.extractor import extract_labs

__all__ = ["extract_labs"]
