"""The product's Markdown as WhatsApp shows it, in pieces WhatsApp accepts.

Responses are written in a small Markdown subset (``**bold**``, ``- lists``,
``[links](https://…)``) that the website widget renders. WhatsApp has its own
marks (``*bold*``, ``_italic_``) and shows links only as plain URLs, so
:func:`to_whatsapp` rewrites the text, and :func:`split_text` cuts what is too
long for one message (4,096 characters for text, 1,024 for the body of an
interactive message) at paragraph, then sentence, then word boundaries, never
inside a word.

Pure functions: no Rasa, no I/O.
"""

from __future__ import annotations

import re
from typing import List

#: WhatsApp's limit for a text message body (characters).
TEXT_LIMIT = 4096
#: WhatsApp's limit for the body of an interactive (buttons/list) message.
INTERACTIVE_BODY_LIMIT = 1024

_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*", re.S)
_BOLD_UNDERSCORE = re.compile(r"__(?=\S)(.+?)(?<=\S)__", re.S)
_ITALIC = re.compile(r"(?<![\*\w])\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?![\*\w])")
_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^\s)]+|mailto:[^\s)]+|tel:[^\s)]+)\)")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*$", re.M)
_BULLET = re.compile(r"^(\s*)[-*+]\s+", re.M)
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"')\]]*\s+")
_BOLD_MARK = "\u0000B\u0000"


def _link(match: re.Match) -> str:
    label, url = match.group(1).strip(), match.group(2)
    target = url.split(":", 1)[1] if url.startswith(("mailto:", "tel:")) else url
    if label in (url, target):
        return target
    return f"{label}: {target}"


def to_whatsapp(text: str) -> str:
    r"""Rewrite the product's Markdown with WhatsApp's formatting marks.

    >>> to_whatsapp("**Bold** and *soft*, see [the page](https://x.org/a)")
    '*Bold* and _soft_, see the page: https://x.org/a'
    >>> to_whatsapp("- one\\n- two")
    '• one\\n• two'
    """
    out = text.replace("\r\n", "\n").strip()
    out = _LINK.sub(_link, out)
    out = _HEADING.sub(lambda m: f"{_BOLD_MARK}{m.group(1)}{_BOLD_MARK}", out)
    out = _BOLD.sub(lambda m: f"{_BOLD_MARK}{m.group(1)}{_BOLD_MARK}", out)
    out = _BOLD_UNDERSCORE.sub(lambda m: f"{_BOLD_MARK}{m.group(1)}{_BOLD_MARK}", out)
    out = _BULLET.sub(lambda m: f"{m.group(1)}• ", out)
    out = _ITALIC.sub(lambda m: f"_{m.group(1)}_", out)
    return out.replace(_BOLD_MARK, "*")


def _sentences(paragraph: str) -> List[str]:
    parts = _SENTENCE_END.split(paragraph)
    return [part for part in parts if part]


def _words(text: str, limit: int) -> List[str]:
    """Cut text without sentence breaks at spaces (a single huge word is cut)."""
    chunks: List[str] = []
    current = ""
    for word in text.split(" "):
        while len(word) >= limit:  # e.g. a pasted URL longer than a message
            if current:
                chunks.append(current)
                current = ""
            chunks.append(word[: limit - 1])
            word = word[limit - 1 :]
        candidate = f"{current} {word}" if current else word
        if len(candidate) < limit:
            current = candidate
        else:
            chunks.append(current)
            current = word
    if current:
        chunks.append(current)
    return chunks


def _pieces(paragraph: str, limit: int) -> List[str]:
    if len(paragraph) < limit:
        return [paragraph]
    pieces: List[str] = []
    for sentence in _sentences(paragraph):
        pieces.extend([sentence] if len(sentence) < limit else _words(sentence, limit))
    return pieces


def split_text(text: str, limit: int = TEXT_LIMIT) -> List[str]:
    """Cut ``text`` into messages shorter than ``limit`` characters.

    Paragraphs stay together when they fit; a long paragraph is cut between
    sentences, a sentence longer than a message between words.

    Args:
        text: the (already converted) message text.
        limit: every piece is shorter than this.

    Returns:
        The pieces in order; ``[]`` for blank text.

    >>> [len(p) for p in split_text("A. " * 10, limit=12)]
    [11, 11, 5]
    """
    if limit < 2:
        raise ValueError("limit must be at least 2")
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    chunks: List[str] = []
    current = ""
    for paragraph in paragraphs:
        for index, piece in enumerate(_pieces(paragraph, limit)):
            piece = piece.strip()
            # A paragraph starts after a blank line; its later sentences
            # follow on the same line, as they were written.
            joiner = "\n\n" if index == 0 else " "
            candidate = f"{current}{joiner}{piece}" if current else piece
            if len(candidate) < limit:
                current = candidate
            else:
                chunks.append(current)
                current = piece
    if current:
        chunks.append(current)
    return chunks
