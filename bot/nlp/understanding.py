"""From a message to the answer it should get: scope first, then the topic.

:class:`bot.nlp.topic_model.TopicModel` ranks intents and FAQ topics; this
module turns its ranking into a decision that a patient can rely on:

1. **Long messages** ("My mother had colon cancer operated last year, now …
   Can the ablation help these?"): the question is usually the last
   sentence, so the ranking of the whole message is averaged with the
   ranking of its last question, each weighted by the model's confidence
   in it.
2. **Scope** (:mod:`bot.nlp.scope`): a message that names another organ,
   another use of freezing, an animal or an unrelated service is
   ``out_of_scope`` whatever topic the words resemble; a liver question the
   source does not cover is ``not_covered`` — unless the message also asks a
   covered question, which is then answered, with a follow-up saying what was
   not covered.
3. **A second question** in the same message ("is it safe and how much does
   it cost?"): the main answer is given, and the second topic is offered as a
   follow-up.

Pure: the model comes in as a ``rank`` function, so every rule here is tested
with a stub (``tests/nlp/test_understanding.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Callable, Dict, List, Optional, Pattern, Sequence, Tuple

from bot.nlp.scope import (
    NOT_COVERED,
    OUT_OF_DOMAIN,
    ScopeResult,
    check_scope,
    clauses,
    uncovered_pattern,
)

Ranking = List[Tuple[str, float]]
#: The model: rankings for a batch of texts (one call per batch keeps the
#: parse fast: most of a call's cost is per call, not per text).
Rank = Callable[[List[str]], List[Ranking]]

OUT_OF_SCOPE = "out_of_scope"
NOT_COVERED_INTENT = "not_covered"
#: Entity that asks the dialogue for a follow-up after the FAQ answer.
FOLLOWUP_ENTITY = "faq_followup"
#: Intents a scope verdict never overrides: safety, privacy, the form.
PROTECTED = frozenset(
    {
        "urgent_symptoms",
        "request_human",
        "delete_data",
        "withdraw_consent",
        "stop",
        "inform",
        "other_language",
        "empty_message",
        "feelings",
    }
)
#: How sure the model must be of a covered question inside a mixed message,
#: and of a second topic, before either is acted on.
COVERED_PART_CONFIDENCE = 0.5
SECOND_TOPIC_CONFIDENCE = 0.6
#: Below this confidence, a message that speaks of feelings is taken as such.
FEELINGS_OVERRIDE_BELOW = 0.5
FEELINGS = "feelings"
#: Messages shorter than this are not split into a story and a question.
LONG_MESSAGE_CHARS = 80

# A sentence ends at . ? ! or a new line, but not at the point of "2.5 cm".
_SENTENCE = re.compile(r"(?:[^.?!\n]|(?<=\d)\.(?=\d))+[.?!\n]*")
_QUESTION_START = re.compile(
    r"^\s*(?:(?:and|also|so|but|please|pls|plz|sir|madam|ok|okay|sorry|actually|"
    r"i\s+meant|i\s+mean|i\s+want(?:ed)?\s+to\s+(?:know|ask)|"
    r"i\s+would\s+like\s+to\s+know|tell\s+me|just)\s+)*"
    r"(?:what|wat|how|hw|why|when|where|which|who|whom|whose|is|are|am|was|"
    r"were|do|does|did|can|could|will|would|should|shall|may|might|has|have|"
    r"any|kya|kitna|kitni|kitne|kaise|kab|kaun|kahan|tell|explain)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Followup:
    """What the dialogue adds after the main FAQ answer.

    Attributes:
        kind: ``"second_topic"`` or ``"uncovered"``.
        value: ``"faq/<topic>"`` or ``"not_covered/<subject>[+<subject>]"``.
        span: where in the message it was asked (start, end).
    """

    kind: str
    value: str
    span: Tuple[int, int]

    def as_entity(self, text: str) -> Dict[str, object]:
        """The entity Rasa carries for the follow-up rule."""
        start, end = self.span
        return {
            "entity": FOLLOWUP_ENTITY,
            "value": self.value,
            "start": start,
            "end": end,
            "text": text[start:end],
            "extractor": "IntentTopicClassifier",
        }


@dataclass(frozen=True)
class Decision:
    """The final ranking of one message, its scope and any follow-up."""

    ranking: Ranking
    scope: ScopeResult
    followup: Optional[Followup] = None


def is_question(piece: str) -> bool:
    """Tell whether a sentence or clause asks something."""
    return "?" in piece or bool(_QUESTION_START.search(piece))


def _blend(first: Ranking, second: Ranking, weight: float = 0.5) -> Ranking:
    probs: Dict[str, float] = {}
    for label, conf in first:
        probs[label] = probs.get(label, 0.0) + (1 - weight) * conf
    for label, conf in second:
        probs[label] = probs.get(label, 0.0) + weight * conf
    return sorted(probs.items(), key=lambda kv: -kv[1])


def _last_question(text: str) -> Optional[str]:
    sentences = [m.group().strip() for m in _SENTENCE.finditer(text)]
    sentences = [s for s in sentences if s]
    if len(sentences) < 2:
        return None
    questions = [s for s in sentences if is_question(s)]
    return questions[-1] if questions else None


def _promote(ranking: Ranking, label: str, confidence: float = 1.0) -> Ranking:
    rest = [(lab, conf * (1 - confidence)) for lab, conf in ranking if lab != label]
    return [(label, confidence)] + rest


def _words(text: str) -> int:
    return len(re.findall(r"[a-zA-Z]{2,}", text))


def _covered_part(text: str, rank: Rank) -> Tuple[Optional[Ranking], Tuple[int, int]]:
    """Rank what is left of a message without its uncovered clauses.

    Returns the ranking (``None`` when nothing substantial is left) and the
    span of the first uncovered clause.
    """
    patterns = list(uncovered_pattern().values())
    kept: List[str] = []
    uncovered_span: Optional[Tuple[int, int]] = None
    for start, end in clauses(text):
        piece = text[start:end]
        if any(p.search(piece.lower()) for p in patterns):
            if uncovered_span is None:
                uncovered_span = (start, end)
            continue
        kept.append(piece)
    span = uncovered_span or (0, len(text))
    remainder = " ".join(kept)
    if _words(remainder) < 3:
        return None, span
    return rank([remainder])[0], span


def _second_topic(text: str, main: str, rank: Rank) -> Optional[Followup]:
    """A second FAQ topic, when two clauses each ask a different one.

    Only clauses that are questions count, and the main topic must be one of
    them: in "the tumour is 3 mm from the bile duct, is it still safe?" the
    first clause is context for the one question, not a question of its own.
    """
    spans = [
        (start, end)
        for start, end in clauses(text)
        if _words(text[start:end]) >= 3 and is_question(text[start:end])
    ]
    if len(spans) < 2:
        return None
    asked: List[Tuple[str, Tuple[int, int]]] = []
    rankings = rank([text[start:end] for start, end in spans])
    for span, ranking in zip(spans, rankings, strict=True):
        label, conf = ranking[0]
        if label.startswith("faq/") and conf >= SECOND_TOPIC_CONFIDENCE:
            asked.append((label, span))
    labels = [label for label, _ in asked]
    if main not in labels:
        return None
    for label, span in asked:
        if label != main:
            return Followup("second_topic", label, span)
    return None


@cache
def feelings_pattern() -> Pattern[str]:
    """Fear, grief, confusion or frustration, said about oneself or the bot.

    Examples: "I'm so scared", "this is too much", "you're not helping",
    "I can't stop crying", "we are losing hope", "i'm exhausted", "bahut dar
    lag raha hai", "main pareshan hoon", "😭".
    """
    return re.compile(
        r"\b(?:scared|afraid|terrified|frightened|fear(?:ful)?|worried|worrying|"
        r"anxious|nervous|panic\w*|overwhelm\w*|too\s+much|can'?t\s+cope|"
        r"cannot\s+cope|cry(?:ing)?|tears|devastated|heartbroken|hopeless|"
        r"(?:losing|lost|no)\s+hope|alone|lonely|helpless|frustrat\w*|useless|"
        r"not\s+help(?:ing|ful)|dying|exhausted|tired\s+of|stress\w*|depress\w*|"
        r"shock(?:ed)?|lost|don'?t\s+(?:understand|know\s+what\s+to\s+do)|"
        r"will\s+be\s+(?:ok|okay|fine)|pareshan|dar\s+lag|ghabra\w*|dukhi)\b"
        r"|[\U0001F622\U0001F62D\U0001F614\U0001F61E\U0001F625\U0001F494]"
    )


def decide(text: str, rank: Rank) -> Decision:
    """Decide the ranking of one message (see the module docstring).

    Args:
        text: the message as typed (not a button payload).
        rank: the model's ranking function, best first, probabilities.

    Returns:
        The final ranking, the scope verdict, and a follow-up if any.
    """
    question = _last_question(text) if len(text) >= LONG_MESSAGE_CHARS else None
    if question and _words(question) >= 2:
        whole, last = rank([text, question])
        # Each counts as much as the model is sure of it: a vague last
        # question ("can this help her?") weighs less than a clear story.
        sure_whole, sure_last = whole[0][1], last[0][1]
        weight = sure_last / (sure_whole + sure_last) if sure_last else 0.0
        ranking = _blend(whole, last, weight)
    else:
        ranking = rank([text])[0]
    scope = check_scope(text)
    top = ranking[0][0] if ranking else ""
    if top in PROTECTED:
        return Decision(ranking, scope)
    if (
        ranking
        and ranking[0][1] < FEELINGS_OVERRIDE_BELOW
        and feelings_pattern().search(text.lower())
    ):
        # Unsure what was asked, and the message speaks of fear or
        # frustration: a warm answer and a person, never topic buttons.
        return Decision(_promote(ranking, FEELINGS, 0.9), scope)

    if scope.verdict == OUT_OF_DOMAIN:
        return Decision(_promote(ranking, OUT_OF_SCOPE), scope)

    if scope.verdict == NOT_COVERED:
        covered, span = _covered_part(text, rank)
        value = "not_covered/" + "+".join(scope.uncovered)
        if (
            covered
            and covered[0][0].startswith("faq/")
            and covered[0][1] >= COVERED_PART_CONFIDENCE
        ):
            return Decision(covered, scope, Followup("uncovered", value, span))
        return Decision(_promote(ranking, NOT_COVERED_INTENT), scope)

    if top.startswith("faq/"):
        second = _second_topic(text, top, rank)
        if second:
            return Decision(ranking, scope, second)
    return Decision(ranking, scope)


def second_topics(entities: Sequence[Dict[str, object]]) -> List[str]:
    """The follow-up values of a parse result's entities (for the actions)."""
    return [
        str(e.get("value"))
        for e in entities
        if e.get("entity") == FOLLOWUP_ENTITY and e.get("value")
    ]


__all__ = [
    "Decision",
    "FOLLOWUP_ENTITY",
    "Followup",
    "NOT_COVERED_INTENT",
    "OUT_OF_SCOPE",
    "decide",
    "is_question",
    "second_topics",
]
