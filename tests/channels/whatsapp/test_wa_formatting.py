"""Markdown as WhatsApp shows it, and long text split where a reader expects."""

import pytest

from bot.channels.whatsapp.formatting import (
    INTERACTIVE_BODY_LIMIT,
    TEXT_LIMIT,
    split_text,
    to_whatsapp,
)


@pytest.mark.parametrize(
    "markdown, whatsapp",
    [
        ("**HCC** at an early stage", "*HCC* at an early stage"),
        ("a *gentle* word", "a _gentle_ word"),
        ("- first\n- second", "• first\n• second"),
        ("1. first\n2. second", "1. first\n2. second"),
        (
            "see [the guide](https://example.org/g)",
            "see the guide: https://example.org/g",
        ),
        ("[https://x.org](https://x.org)", "https://x.org"),
        ("write to [us](mailto:care@example.org)", "write to us: care@example.org"),
        ("## Recovery", "*Recovery*"),
        ("3 * 4 = 12", "3 * 4 = 12"),
        ("plain text, nothing else", "plain text, nothing else"),
    ],
)
def test_markdown_becomes_whatsapp_formatting(markdown, whatsapp):
    assert to_whatsapp(markdown) == whatsapp


def test_a_link_never_hides_its_address():
    text = to_whatsapp("read [this page](javascript:alert(1)) first")
    # Not a link the converter accepts: left as typed, so nothing is hidden.
    assert "javascript:alert(1)" in text


def _long_answer(sentences: int) -> str:
    return " ".join(
        f"Sentence {i} explains one more thing about the procedure."
        for i in range(sentences)
    )


def test_short_text_is_one_message():
    assert split_text("One short answer.") == ["One short answer."]


def test_long_text_is_split_below_the_limit_at_sentence_ends():
    text = _long_answer(200)
    pieces = split_text(text)
    assert len(pieces) > 1
    assert all(len(piece) < TEXT_LIMIT for piece in pieces)
    assert all(piece.endswith(".") for piece in pieces)
    assert " ".join(pieces) == text  # nothing lost, nothing added


def test_paragraphs_stay_whole_when_they_fit():
    first = "First paragraph. " * 10
    second = "Second paragraph. " * 10
    pieces = split_text(f"{first.strip()}\n\n{second.strip()}", limit=250)
    assert pieces == [first.strip(), second.strip()]


def test_a_sentence_longer_than_a_message_is_cut_between_words():
    words = ["liver"] * 1000
    pieces = split_text(" ".join(words), limit=INTERACTIVE_BODY_LIMIT)
    assert all(len(p) < INTERACTIVE_BODY_LIMIT for p in pieces)
    assert all(set(p.split()) == {"liver"} for p in pieces)
    assert sum(len(p.split()) for p in pieces) == 1000


def test_blank_text_is_no_message():
    assert split_text("  \n\n ") == []
