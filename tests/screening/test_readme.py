"""The package README's transition table is the code's (bot/screening/machine.py)."""

import pathlib
import re

from bot.screening import machine
from bot.screening.reading import Outcome

README = pathlib.Path(machine.__file__).with_name("README.md").read_text()


def _documented():
    block = README.split("<!-- transitions:start -->")[1].split(
        "<!-- transitions:end -->"
    )[0]
    rows = {}
    for line in block.strip().splitlines()[2:]:
        stage, outcome, effect, what = [
            cell.strip() for cell in line.strip("|").split("|")
        ]
        rows[(stage, outcome)] = (effect.strip("`"), what)
    return rows


def _coded():
    rows = {}
    for stage, table in machine.TRANSITIONS.items():
        for outcome, effect in table.items():
            label = outcome.value if outcome is not None else "anything else"
            rows[(stage.value, label)] = (effect, machine.EFFECTS[effect])
    return rows


def test_the_readme_table_is_the_transition_table():
    assert _documented() == _coded()


def test_every_stage_has_a_default_and_handles_detours():
    for stage, table in machine.TRANSITIONS.items():
        assert None in table, stage
        assert table.get(Outcome.DETOUR, table[None]) == "detour", stage


def test_every_effect_is_described_and_implemented():
    used = {
        effect for table in machine.TRANSITIONS.values() for effect in table.values()
    }
    assert used == set(machine.EFFECTS)
    assert set(machine.EFFECT_METHODS) == used - {"detour"}


def test_every_question_maps_to_a_stage():
    from bot.screening.state import PSEUDO_QUESTIONS
    from bot.screening.values import HEALTH_FIELDS, OPTIONAL_FIELDS

    for name in (
        PSEUDO_QUESTIONS
        | {"health_consent"}
        | (set(HEALTH_FIELDS) - set(OPTIONAL_FIELDS))
    ):
        assert machine.stage_of(name) is not None, name


def test_the_readme_names_the_files_to_touch():
    section = README.split("## To change it")[1]
    for needed in ("Add a field", "Add a unit", "Add a transition"):
        assert needed in section
    for path in re.findall(r"`([\w/.]+\.(?:py|yml))`", section):
        assert (
            pathlib.Path(machine.__file__).parents[2] / path
        ).exists() or "/" not in path, path
