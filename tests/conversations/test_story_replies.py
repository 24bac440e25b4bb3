"""What the bot says in the conversation tests, checked against the real servers.

``rasa test`` checks a story's dialogue (intents, actions, slots as declared)
but not the words: the screening's messages come from custom actions it does
not run. A story of ``tests/test_*.yml`` with ``metadata: replies`` lists, for
some of its user messages, words the bot's replies must contain (``say``) and
must not (``not``). Each such story is sent, message by message, to the real
Rasa server, action server and console (``devservers.ServerSet``) over REST,
as a patient's client would, and its replies are checked.
"""

from __future__ import annotations

import json
import re
import urllib.request
import uuid
from typing import Any, Dict, List

import pytest
import yaml

from bot.settings import PROJECT_ROOT

#: "[2 cm]{...}" and "[2](lesion_count)" in a story are the words "2 cm", "2".
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\{[^}]*\}|\([^)]*\))")


def _plain(text: str) -> str:
    return " ".join(_ANNOTATION.sub(r"\1", text).split())


def _stories() -> List[Dict[str, Any]]:
    found = []
    for path in sorted((PROJECT_ROOT / "tests").glob("test_*.yml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for story in doc.get("stories") or ():
            if (story.get("metadata") or {}).get("replies"):
                found.append(story)
    return found


STORIES = _stories()


def _send(url: str, sender: str, message: str) -> str:
    request = urllib.request.Request(
        f"{url}/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": message}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=180) as response:  # noqa: S310
        replies = json.loads(response.read())
    parts = []
    for reply in replies:
        parts.append(reply.get("text") or "")
        parts += [button.get("title", "") for button in reply.get("buttons") or ()]
    return " ".join(" ".join(parts).split())


def test_the_stories_with_words_to_check_are_found():
    names = [story["story"] for story in STORIES]
    assert any("likely suitable" in name for name in names)
    assert any("worked out" in name for name in names)
    assert any("doctor's letter" in name for name in names)


@pytest.mark.parametrize("story", STORIES, ids=[s["story"][:60] for s in STORIES])
def test_the_bot_says_what_the_story_says_it_says(rest_servers, story):
    messages = [_plain(step["user"]) for step in story["steps"] if "user" in step]
    expected = story["metadata"]["replies"]
    sender = f"story-{uuid.uuid4().hex}"
    said = [_send(rest_servers.rasa_url, sender, message) for message in messages]
    start = 0
    for expectation in expected:
        after = _plain(expectation["after"])
        index = messages.index(after, start)
        start = index + 1
        reply = said[index]
        for words in expectation.get("say") or ():
            assert " ".join(words.split()) in reply, (after, words, reply)
        for words in expectation.get("not") or ():
            assert words not in reply, (after, words, reply)
