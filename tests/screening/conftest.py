"""A patient talking to the screening's state machine (no Rasa, real extractor)."""

import pathlib

import pytest
import yaml

from bot.screening import machine, result
from bot.screening.reading import Message
from bot.screening.state import STATE, next_question, result_shown

ROOT = pathlib.Path(__file__).resolve().parents[2]
RESPONSES = {
    **yaml.safe_load((ROOT / "data/responses/general.yml").read_text())["responses"],
    **yaml.safe_load((ROOT / "data/responses/screening.yml").read_text())["responses"],
}


def buttons_of(names):
    """Title -> payload of the buttons of the responses ``names``."""
    return {
        button["title"]: button["payload"]
        for name in names
        for variant in RESPONSES.get(name, ())
        for button in variant.get("buttons", ())
    }


class Chat:
    """Drives the machine the way ValidateScreeningForm and Rasa do.

    Each message goes to :func:`machine.step` with the buttons on screen; a
    detour is answered by "the rules" and followed by :func:`machine.resume`;
    when the form asks for the result, it is worked out as
    ``action_ask_screening_result`` does.
    """

    def __init__(self, **slots):
        self.slots = dict(slots)
        self.asked = next_question(self.slots)
        self.replies = []
        self.turn = None
        self.results = []

    def say(self, text, intent="inform"):
        message = Message(
            text, intent, buttons_of(machine.on_screen(self.slots, self.asked))
        )
        self.turn = machine.step(self.slots, message, self.asked)
        self.replies = [(r.response, dict(r.variables)) for r in self.turn.replies]
        if self.turn.detour:
            # The rules answer; then the form runs again.
            resumed = machine.resume(self.slots, message, self.asked)
            self._take(resumed)
            self.replies = [(r.response, dict(r.variables)) for r in resumed.replies]
        else:
            self._take(self.turn)
        return self.turn

    def _take(self, turn):
        self.slots.update(turn.updates)
        self.asked = next_question(self.slots)
        if self.asked == "screening_result":
            screening = result.conclude(self.slots)
            self.results.append(screening.result.outcome)
            self.replies += [(r.response, dict(r.variables)) for r in screening.replies]
            self.slots[STATE] = result_shown(self.slots, screening.result.outcome)
            self.asked = next_question(self.slots)

    @property
    def responses(self):
        return [name for name, _ in self.replies]

    @property
    def state(self):
        return self.slots.get(STATE) or {}

    def value(self, name):
        return self.slots.get(name)


@pytest.fixture
def chat():
    return Chat
