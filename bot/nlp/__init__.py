"""Language processing: lab values from text, urgency detection, Rasa components.

The public function is imported lazily so that importing ``bot.nlp`` (which Rasa
does when it loads a custom component) never builds a spaCy pipeline.
"""

from __future__ import annotations

from typing import Any, Dict


def extract_labs(text: str) -> Dict[str, Any]:
    """Canonical lab and tumour fields found in ``text`` (see spec/lab_extraction.md).

    Args:
        text: what the patient typed.

    Returns:
        Only the fields found, e.g. ``{"bilirubin_mg_dl": 1.99}``.
    """
    from bot.nlp.labs.extractor import extract_labs as _extract_labs

    return _extract_labs(text)


__all__ = ["extract_labs"]
