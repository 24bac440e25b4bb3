"""Rasa buttons as WhatsApp shows choices, and a patient's choice read back.

* :func:`shorten` fits a button title into WhatsApp's limits (20 characters for
  a reply button, 24 for a list row, 72 for a row's description) sensibly:
  a trailing question mark goes first, then "and" becomes "&", then articles,
  and only then is it cut, always between words and marked with "…".
  :func:`unique_titles` keeps shortened titles distinct (WhatsApp refuses
  two buttons with the same title, and a patient could not tell them apart).
* :func:`options_from_buttons` turns Rasa's button dicts into :class:`Option`
  values: the payload is what comes back, the title what is shown; a button
  without a title never shows its payload (``/faq/cost``), it gets a readable
  name made from it.
* :func:`numbered_text` and :func:`choice_from_reply` render choices as a
  numbered list and read "1", "2." or the option's title back (Twilio, and
  WhatsApp when there are more options than a list message can hold).

Pure functions: no Rasa, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, List, Mapping, Optional, Sequence

#: WhatsApp's limits (characters / counts), from the Cloud API reference.
REPLY_BUTTON_TITLE = 20
REPLY_BUTTON_ID = 256
MAX_REPLY_BUTTONS = 3
LIST_ROW_TITLE = 24
LIST_ROW_DESCRIPTION = 72
LIST_ROW_ID = 200
LIST_BUTTON_TEXT = 20
MAX_LIST_ROWS = 10

ELLIPSIS = "…"
_ARTICLES = {"a", "an", "the"}
#: An article after these stays ("Could it be an option", not "be option").
_KEEP_ARTICLE_AFTER = {"be", "is", "are", "was", "were", "been", "being", "get"}
#: Words a shortened title should not end on before the ellipsis.
_DANGLING = {"a", "an", "the", "and", "&", "or", "of", "in", "on", "at", "to"}
_DANGLING |= {"for", "with", "by", "from", "your", "my"}
_CHOICE = re.compile(r"^\s*(?:option\s*|no\.?\s*|#)?(\d{1,2})\s*[.)]?\s*$", re.I)


@dataclass(frozen=True)
class Option:
    """One choice offered to the patient.

    Attributes:
        title: what the patient sees (the button's full title).
        payload: what the bot receives when it is chosen.
    """

    title: str
    payload: str


def _words(text: str) -> List[str]:
    return text.split()


def _cut(words: Sequence[str], limit: int) -> str:
    """The longest run of leading words that fits with an ellipsis after it."""
    kept: List[str] = []
    for word in words:
        candidate = " ".join(kept + [word])
        if len(candidate) + len(ELLIPSIS) > limit:
            break
        kept.append(word)
    while len(kept) > 1 and kept[-1].lower().strip(",;:") in _DANGLING:
        kept.pop()
    if not kept:  # one enormous word: the only case cut inside a word
        return words[0][: limit - len(ELLIPSIS)] + ELLIPSIS if words else ""
    return " ".join(kept).rstrip(",;:-–") + ELLIPSIS


def _drop_articles(text: str) -> str:
    """Drop articles a button can do without ("Talk to coordinator").

    >>> _drop_articles("Talk to a coordinator"), _drop_articles("Could it be an option")
    ('Talk to coordinator', 'Could it be an option')
    """
    words = _words(text)
    kept = [
        word
        for i, word in enumerate(words)
        if i == 0
        or word.lower() not in _ARTICLES
        or words[i - 1].lower() in _KEEP_ARTICLE_AFTER
    ]
    return " ".join(kept)


def fits(title: str, limit: int) -> bool:
    """Whether ``title`` fits ``limit`` without being cut (see :func:`shorten`).

    >>> fits("Talk to a coordinator", 20), fits("How long does it take?", 20)
    (True, False)
    """
    return not shorten(title, limit).endswith(ELLIPSIS) or len(title) <= limit


def shorten(title: str, limit: int) -> str:
    """Fit ``title`` into ``limit`` characters without cutting a word.

    >>> shorten("Talk to a coordinator", 20)
    'Talk to coordinator'
    >>> shorten("Could it work for me?", 20)
    'Could it work for me'
    >>> shorten("Risks and side effects", 20)
    'Risks & side effects'
    >>> shorten("What happens, in steps", 20)
    'What happens…'
    """
    text = " ".join(str(title).split())
    if len(text) <= limit:
        return text
    steps = (
        lambda t: t.rstrip("?!. "),
        lambda t: re.sub(r"\s+and\s+", " & ", t),
        _drop_articles,
    )
    for step in steps:
        text = step(text)
        if len(text) <= limit:
            return text
    return _cut(_words(text), limit)


def unique_titles(titles: Sequence[str], limit: int) -> List[str]:
    """Shorten every title to ``limit`` and keep them distinct.

    A title that clashes with an earlier one is numbered (``… (2)``), cut
    further so the number fits.

    >>> unique_titles(["Talk to a coordinator", "Talk to a coordinator now"], 20)
    ['Talk to coordinator', 'Talk to coordinator…']
    """
    result: List[str] = []
    seen = set()
    for index, title in enumerate(titles, start=1):
        short = shorten(title, limit)
        if short.lower() in seen:
            suffix = f" ({index})"
            short = shorten(title, limit - len(suffix)) + suffix
            if len(short) > limit:
                short = f"Option {index}"
        seen.add(short.lower())
        result.append(short)
    return result


def _readable(payload: str) -> str:
    """A title for a button that has none, made from its payload, never raw.

    >>> _readable("/faq/procedure_duration")
    'Procedure duration'
    """
    name = payload.strip().lstrip("/")
    name = name.split("/")[-1] if "/" in name else name
    name = re.sub(r"[{\[].*$", "", name)
    name = name.replace("_", " ").strip()
    return (name[:1].upper() + name[1:]) if name else "Choose"


def options_from_buttons(buttons: Any) -> List[Option]:
    """Rasa's ``buttons`` (or ``quick_replies``) as options, duplicates dropped."""
    options: List[Option] = []
    seen = set()
    for button in buttons if isinstance(buttons, list) else []:
        if not isinstance(button, Mapping):
            continue
        payload = str(button.get("payload") or "").strip()
        title = " ".join(str(button.get("title") or "").split())
        if not payload and not title:
            continue
        payload = payload or title
        if payload in seen:
            continue
        seen.add(payload)
        options.append(Option(title=title or _readable(payload), payload=payload))
    return options


def reply_buttons(body: str, options: Sequence[Option]) -> Optional[dict]:
    """An interactive ``button`` object for up to three options, or None.

    None when there are more than three options, a payload is too long to be a
    button id, or a title would have to be cut to fit a button (then a list,
    whose rows have more room and show the whole title, is used).
    """
    if not options or len(options) > MAX_REPLY_BUTTONS:
        return None
    if not all(fits(option.title, REPLY_BUTTON_TITLE) for option in options):
        return None
    if any(len(option.payload) > REPLY_BUTTON_ID for option in options):
        return None
    titles = unique_titles([o.title for o in options], REPLY_BUTTON_TITLE)
    return {
        "type": "button",
        "body": {"text": body},
        "action": {
            "buttons": [
                {"type": "reply", "reply": {"id": option.payload, "title": title}}
                for option, title in zip(options, titles, strict=True)
            ]
        },
    }


def list_message(
    body: str, options: Sequence[Option], button_text: str = "Choose"
) -> Optional[dict]:
    """An interactive ``list`` object for up to ten options, or None.

    A shortened row title keeps the whole title in the row's description.
    """
    if not options or len(options) > MAX_LIST_ROWS:
        return None
    if any(len(option.payload) > LIST_ROW_ID for option in options):
        return None
    titles = unique_titles([o.title for o in options], LIST_ROW_TITLE)
    rows = []
    for option, title in zip(options, titles, strict=True):
        row = {"id": option.payload, "title": title}
        if title != option.title:
            row["description"] = shorten(option.title, LIST_ROW_DESCRIPTION)
        rows.append(row)
    return {
        "type": "list",
        "body": {"text": body},
        "action": {
            "button": shorten(button_text, LIST_BUTTON_TEXT),
            "sections": [{"rows": rows}],
        },
    }


def numbers_shown(options: Sequence[Option]) -> bool:
    """Whether a numbered list shows these options (at least two of them).

    A single option (an "I'm not sure" under a question whose answer is a
    number) is offered by its title instead, so that a patient answering "1"
    (one tumour) is never read as choosing it.
    """
    return len(options) >= 2


def numbered_text(body: str, options: Sequence[Option], prompt: str) -> str:
    """Options as a numbered list under ``body``, with a short prompt.

    >>> two = [Option("Yes", "/a"), Option("No", "/d")]
    >>> print(numbered_text("Pick.", two, "Reply."))
    Pick.
    <BLANKLINE>
    1. Yes
    2. No
    <BLANKLINE>
    Reply.
    >>> print(numbered_text("How many?", [Option("I'm not sure", "/dont_know")], "-"))
    How many?
    <BLANKLINE>
    Or reply: *I'm not sure*
    """
    if not numbers_shown(options):
        single = f"Or reply: *{options[0].title}*" if options else ""
        return "\n\n".join(part for part in (body.strip(), single) if part)
    lines = "\n".join(f"{i}. {o.title}" for i, o in enumerate(options, start=1))
    parts = [part for part in (body.strip(), lines, prompt) if part]
    return "\n\n".join(parts)


def choice_from_reply(
    text: str, options: Iterable[Option], numbers: bool = True
) -> Optional[str]:
    """The payload a reply picks from the options last offered, or None.

    Accepts the option's number ("2", "2.", "#2", "option 2"), when the options
    were shown numbered (``numbers``), or its full title typed out (any case).

    >>> opts = [Option("Yes, I agree", "/affirm"), Option("No", "/deny")]
    >>> choice_from_reply(" 2 ", opts), choice_from_reply("yes, i agree", opts)
    ('/deny', '/affirm')
    >>> choice_from_reply("3", opts) is None
    True
    """
    options = list(options)
    if not options or not isinstance(text, str):
        return None
    match = _CHOICE.match(text) if numbers else None
    if match:
        number = int(match.group(1))
        return options[number - 1].payload if 1 <= number <= len(options) else None
    typed = " ".join(text.split()).casefold()
    for option in options:
        if option.title.casefold() == typed:
            return option.payload
    return None
