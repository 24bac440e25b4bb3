"""Choices as WhatsApp shows them: limits kept, titles readable and unique."""

import pytest

from bot.channels.whatsapp.options import (
    LIST_ROW_DESCRIPTION,
    LIST_ROW_TITLE,
    REPLY_BUTTON_TITLE,
    Option,
    choice_from_reply,
    fits,
    list_message,
    options_from_buttons,
    reply_buttons,
    shorten,
    unique_titles,
)

# Every button title the bot's responses use (data/responses/*.yml) that is
# longer than a reply button allows.
LONG_TITLES = [
    "Talk to a coordinator",
    "Started in the liver (HCC)",
    "No, let me correct it",
    "Answer the missing questions",
    "Continue the questions",
    "What happens, in steps",
    "Could it work for me?",
    "Cancer spread to liver",
    "How well does it work?",
    "Spread along the needle?",
    "How long does it take?",
    "Checking the ice-ball",
    "How the freezing works",
    "Risks and side effects",
    "What is cryoablation?",
]


@pytest.mark.parametrize("title", LONG_TITLES)
@pytest.mark.parametrize("limit", [REPLY_BUTTON_TITLE, LIST_ROW_TITLE])
def test_shortened_titles_fit_and_keep_whole_words(title, limit):
    short = shorten(title, limit)
    assert 0 < len(short) <= limit
    whole = {w.strip(",?") for w in title.split()} | {"&"}
    for word in short.replace("…", "").split():
        assert word.strip(",?") in whole, (title, short)


def test_a_title_that_fits_is_left_alone():
    assert shorten("Yes, I agree", 20) == "Yes, I agree"


@pytest.mark.parametrize(
    "title, short",
    [
        ("Talk to a coordinator", "Talk to coordinator"),
        ("Could it work for me?", "Could it work for me"),
        ("Risks and side effects", "Risks & side effects"),
        ("What happens, in steps", "What happens…"),
    ],
)
def test_shortening_is_sensible(title, short):
    assert shorten(title, 20) == short


def test_shortened_titles_stay_unique():
    titles = unique_titles(
        ["Talk to a coordinator", "Talk to a coordinator!", "Talk to a coordinator?"],
        20,
    )
    assert len(set(titles)) == 3
    assert all(len(t) <= 20 for t in titles)


def test_a_button_without_a_title_never_shows_its_payload():
    options = options_from_buttons([{"payload": "/faq/procedure_duration"}])
    assert options == [Option("Procedure duration", "/faq/procedure_duration")]


def test_duplicate_payloads_are_offered_once():
    options = options_from_buttons(
        [
            {"title": "Talk to a coordinator", "payload": "/request_human"},
            {"title": "Something else", "payload": "/request_human"},
        ]
    )
    assert [o.payload for o in options] == ["/request_human"]


def _options(n):
    return [
        Option(f"Option number {i} with a long title", f"/faq/topic_{i}")
        for i in range(n)
    ]


def test_three_options_are_reply_buttons_within_the_limits():
    three = [
        Option("Risks and side effects", "/faq/topic_0"),
        Option("Talk to a coordinator", "/faq/topic_1"),
        Option("Spread along the needle?", "/faq/topic_2"),
    ]
    message = reply_buttons("Choose", three)
    buttons = message["action"]["buttons"]
    assert [b["reply"]["id"] for b in buttons] == [
        "/faq/topic_0",
        "/faq/topic_1",
        "/faq/topic_2",
    ]
    assert all(len(b["reply"]["title"]) <= REPLY_BUTTON_TITLE for b in buttons)
    assert len({b["reply"]["title"] for b in buttons}) == 3


def test_four_options_are_not_reply_buttons():
    assert reply_buttons("Choose", _options(4)) is None


def test_a_list_keeps_the_whole_title_in_the_description():
    message = list_message("Choose", _options(5), "See the options")
    rows = message["action"]["sections"][0]["rows"]
    assert len(rows) == 5
    for row in rows:
        assert len(row["title"]) <= LIST_ROW_TITLE
        assert len(row["description"]) <= LIST_ROW_DESCRIPTION
        assert row["description"].startswith("Option number")


def test_more_than_ten_options_do_not_fit_a_list():
    assert list_message("Choose", _options(11), "See") is None


def test_a_title_that_would_be_cut_is_not_a_reply_button():
    assert fits("Talk to a coordinator", 20)
    assert not fits("Could it be an option?", 20)  # "be option" is not English
    assert shorten("Could it be an option?", 24) == "Could it be an option?"
    options = [Option("Could it be an option?", "/x"), Option("Yes", "/y")]
    assert reply_buttons("Choose", options) is None
    assert list_message("Choose", options, "See")["type"] == "list"


@pytest.mark.parametrize("reply", ["2", " 2 ", "2.", "#2", "option 2", "No"])
def test_a_typed_number_or_title_picks_the_option(reply):
    options = [Option("Yes, I agree", "/affirm"), Option("No", "/deny")]
    assert choice_from_reply(reply, options) == "/deny"


@pytest.mark.parametrize("reply", ["3", "0", "two", "no thanks", "", "22"])
def test_other_replies_pick_nothing(reply):
    options = [Option("Yes, I agree", "/affirm"), Option("No", "/deny")]
    assert choice_from_reply(reply, options) is None


def test_numbers_are_not_read_as_choices_when_they_were_not_shown():
    options = [Option("I'm not sure", "/dont_know")]
    # "1" answers "how many tumours?"; it must not mean "I'm not sure".
    assert choice_from_reply("1", options, numbers=False) is None
    assert choice_from_reply("i'm not sure", options, numbers=False) == "/dont_know"
