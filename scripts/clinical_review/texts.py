"""Every text the bot can send: the responses, and the texts built in code.

Responses are read from ``domain.yml`` and from EVERY ``*.yml`` under
``data/`` (and ``domain/``, as Rasa and the fact checker read them), so a
response file added by another change is reviewed from the day it lands.

Texts built in code are listed here, each with an id (``code:<id>``): the
eligibility rules' reasons, review topics and next steps, the Milan note and
step, the next-step sentences of each outcome, the notes of a computed
Child-Pugh class, the read-back's words, the field registry's labels and
hints, the FAQ topic titles and the clarifying question's last button. A
test runs the screening and the rules over many inputs and checks that every
sentence they produce comes from one of these (``tests/review``), so a new
text in code cannot slip past the review unlisted.

Not listed, because no patient reads them: the coordinator's summary of a
handoff (``bot/screening/machine.py``, ``bot/handoff``), log lines,
citations and preferred ranges shown to staff (``Result.checks``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, List

import yaml

from bot import faq, fields
from bot.eligibility import criteria, engine
from bot.screening import effects, values
from scripts.clinical_review.source import ROOT

#: A sentence-bearing text (split into units and reviewed).
TEXT = "text"
#: A button title or a label: a few words, checked for absolute words only.
TITLE = "title"


@dataclass(frozen=True)
class Text:
    """One text the bot can send.

    Attributes:
        where: the response's name, or ``code:<id>`` for a text built in code.
        file: the file it is defined in, relative to the project root.
        text: the text (template variables left as ``{name}``).
        kind: :data:`TEXT` or :data:`TITLE`.

    """

    where: str
    file: str
    text: str
    kind: str = TEXT


def response_files(root: Path = ROOT) -> List[Path]:
    """The files Rasa reads responses from: domain.yml, data/ and domain/."""
    files = [root / "domain.yml", *sorted((root / "data").rglob("*.yml"))]
    if (root / "domain").is_dir():
        files += sorted((root / "domain").rglob("*.yml"))
    return [path for path in files if path.is_file()]


def response_texts(root: Path = ROOT) -> List[Text]:
    """Every response's text and button titles, from every response file."""
    found: List[Text] = []
    for path in response_files(root):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(doc, dict):
            continue
        relative = str(path.relative_to(root))
        for name, variants in (doc.get("responses") or {}).items():
            for variant in variants or ():
                if not isinstance(variant, dict):
                    continue
                if variant.get("text"):
                    found.append(Text(name, relative, str(variant["text"])))
                for button in variant.get("buttons") or ():
                    if isinstance(button, dict) and button.get("title"):
                        found.append(Text(name, relative, button["title"], TITLE))
    return found


def _eligibility_texts() -> Iterator[Text]:
    criteria_file = "bot/eligibility/criteria.py"
    for rule in criteria.RULES:
        for attribute in (
            "reason",
            "reason_when_computed",
            "review_topic",
            "review_topic_when_computed",
            "next_step",
        ):
            value = getattr(rule, attribute)
            if value:
                where = f"code:eligibility.rule.{rule.id}.{attribute}"
                yield Text(where, criteria_file, value)
    yield Text("code:eligibility.milan.note", criteria_file, criteria.MILAN.note)
    yield Text(
        "code:eligibility.milan.next_step", criteria_file, criteria.MILAN.next_step
    )
    yield Text(
        "code:eligibility.computed_note",
        criteria_file,
        criteria.COMPUTED_CHILD_PUGH_NOTE,
    )
    for name in sorted(vars(engine)):
        if name.startswith("STEP_"):
            where = f"code:eligibility.{name.lower()}"
            yield Text(where, "bot/eligibility/engine.py", getattr(engine, name))


def _screening_texts() -> Iterator[Text]:
    effects_file = "bot/screening/effects.py"
    yield Text(
        "code:screening.computed_note", effects_file, effects.COMPUTED_READBACK_NOTE
    )
    yield Text("code:screening.not_given", effects_file, effects.NOT_GIVEN)
    yield Text("code:screening.you_typed", "bot/screening/values.py", values.YOU_TYPED)


def _field_texts() -> Iterator[Text]:
    for spec in fields.FIELDS:
        where = f"code:fields.{spec.name}"
        yield Text(f"{where}.label", "bot/fields.py", spec.label, TITLE)
        yield Text(f"{where}.short", "bot/fields.py", spec.short, TITLE)
        if spec.hint:
            yield Text(f"{where}.hint", "bot/fields.py", spec.hint)
        for value, words in (spec.choices or {}).items():
            yield Text(f"{where}.choice.{value}", "bot/fields.py", words, TITLE)


def _faq_texts() -> Iterator[Text]:
    for key, title in faq.TOPIC_TITLES.items():
        yield Text(f"code:faq.topic_title.{key}", "bot/faq.py", title, TITLE)
    yield Text(
        "code:faq.clarify_other", "bot/faq.py", faq.CLARIFY_OTHER["title"], TITLE
    )


def code_texts() -> List[Text]:
    """Every patient-facing text built in code, with its id."""
    return [
        *_eligibility_texts(),
        *_screening_texts(),
        *_field_texts(),
        *_faq_texts(),
    ]


def all_texts(root: Path = ROOT) -> List[Text]:
    """The responses and the texts built in code."""
    return [*response_texts(root), *code_texts()]
