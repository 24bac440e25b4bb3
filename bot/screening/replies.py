"""What the screening's pure code returns: responses by name, and a turn."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping


@dataclass(frozen=True)
class Reply:
    """A response of ``data/responses/``, by name, with its template variables."""

    response: str
    variables: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class Turn:
    """What one message does to the screening.

    Attributes:
        detour: the message is left to the rules (a question, an emergency,
            "stop"): the form changes nothing and Rasa rejects it for this
            message.
        updates: slot values to set (``None`` clears a slot).
        replies: responses to send, in order, before the next question.
        consent_given: the patient agreed in this message (record it).
        effect: the transition taken (for tests and logs).

    """

    detour: bool = False
    updates: Dict[str, Any] = field(default_factory=dict)
    replies: List[Reply] = field(default_factory=list)
    consent_given: bool = False
    effect: str = ""
