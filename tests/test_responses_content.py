"""What a patient reads: the FAQ answers and the general conversation's texts.

The FAQ keys come from the contract, reference/spec/faq_topics.md, and every
figure is checked against the source with the committed copy of the shared
fact checker (reference/tools/check_answer_facts.py), so these tests follow
the spec and the source rather than a copy of them.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType
from typing import Any, Dict, List

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "reference" / "spec" / "faq_topics.md"
CHECKER = ROOT / "reference" / "tools" / "check_answer_facts.py"
FAQ_FILE = ROOT / "data" / "responses" / "faq.yml"
GENERAL_FILE = ROOT / "data" / "responses" / "general.yml"
OWN_FILES = (FAQ_FILE, GENERAL_FILE)

GENERAL_RESPONSES = {
    "utter_greet",
    "utter_goodbye",
    "utter_you_are_welcome",
    "utter_iamabot",
    "utter_out_of_scope",
    "utter_clarify",
    "utter_default",
    "utter_emergency",
    "utter_anything_else",
    "utter_empty_message",
    "utter_not_english",
}


class _UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that refuses duplicate keys instead of keeping the last.

    PyYAML silently keeps the last of two equal keys, so a response pasted
    twice would hide the first answer without any error.
    """


def _construct_unique_mapping(
    loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False
) -> Dict[Any, Any]:
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping
)


def _load_checker() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_answer_facts", CHECKER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _spec_keys() -> List[str]:
    """The keys of the FAQ table: first column of rows under the `| key |` header."""
    keys: List[str] = []
    in_table = False
    for line in SPEC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if not line.lstrip().startswith("|"):
            in_table = False
            continue
        if cells[0] == "key":
            in_table = True
            continue
        if in_table and not set(cells[0]) <= set("-: "):
            keys.append(cells[0])
    return keys


def _responses(path: Path) -> Dict[str, List[Dict[str, Any]]]:
    doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    assert doc.get("version") == "3.1"
    return doc["responses"]


CHECK = _load_checker()
SPEC_KEYS = _spec_keys()
FAQ = _responses(FAQ_FILE)
GENERAL = _responses(GENERAL_FILE)
ALL_OWN = {**FAQ, **GENERAL}
FAQ_KEYS = {name.split("/", 1)[1] for name in FAQ}
ALLOWED_PAYLOADS = {f"/faq/{key}" for key in FAQ_KEYS} | {
    "/check_eligibility",
    "/request_human",
}


def _variants() -> List[tuple]:
    return [
        (name, variant) for name, variants in ALL_OWN.items() for variant in variants
    ]


def _text(name: str) -> str:
    return " ".join(v["text"] for v in ALL_OWN[name])


def test_the_spec_table_is_read() -> None:
    # Guards the parser: an empty or garbled key list would make the
    # "every key is answered" test pass vacuously.
    assert len(SPEC_KEYS) >= 30
    assert len(set(SPEC_KEYS)) == len(SPEC_KEYS)
    assert all(re.fullmatch(r"[a-z][a-z_]*", key) for key in SPEC_KEYS), SPEC_KEYS
    assert "what_is_cryoablation" in SPEC_KEYS and "guarantee" in SPEC_KEYS


@pytest.mark.parametrize("key", SPEC_KEYS)
def test_every_spec_topic_has_an_answer(key: str) -> None:
    assert f"utter_faq/{key}" in FAQ
    assert FAQ[f"utter_faq/{key}"][0]["text"].strip()


def test_faq_file_holds_only_faq_answers() -> None:
    assert all(name.startswith("utter_faq/") for name in FAQ)


def test_general_conversation_responses_are_all_there() -> None:
    assert GENERAL_RESPONSES <= set(GENERAL)


@pytest.mark.parametrize("name", sorted(FAQ))
def test_faq_answer_is_short_and_offers_a_next_step(name: str) -> None:
    for variant in FAQ[name]:
        assert len(variant["text"]) <= 600, f"{name}: too long for a phone screen"
        assert 1 <= len(variant.get("buttons") or []) <= 3


@pytest.mark.parametrize("name,variant", _variants())
def test_buttons_lead_somewhere_that_exists(name: str, variant: Dict) -> None:
    for button in variant.get("buttons") or []:
        assert button["payload"] in ALLOWED_PAYLOADS, f"{name}: {button['payload']}"
        assert 0 < len(button["title"]) <= 25, f"{name}: {button['title']}"


def test_faq_buttons_do_not_point_back_to_their_own_answer() -> None:
    for name, variants in FAQ.items():
        own = "/faq/" + name.split("/", 1)[1]
        for variant in variants:
            payloads = [b["payload"] for b in variant.get("buttons") or []]
            assert own not in payloads, name


def test_the_fact_checker_catches_an_invented_figure() -> None:
    # Proves the next test can fail: a made-up price must be flagged.
    seed = CHECK.figures(CHECK.SEED.read_text(encoding="utf-8"))
    assert CHECK.figures("about 12,000 USD for 3 nights") - seed == {"12000"}


@pytest.mark.parametrize("name,variant", _variants())
def test_every_figure_is_stated_in_the_source(name: str, variant: Dict) -> None:
    seed = CHECK.figures(CHECK.SEED.read_text(encoding="utf-8")) | CHECK.ALLOWED
    parts = [variant.get("text") or ""]
    parts += [b.get("title", "") for b in variant.get("buttons") or []]
    unknown = CHECK.figures(" ".join(parts)) - seed
    assert not unknown, f"{name}: figures not in the source: {sorted(unknown)}"


def test_no_emojis_and_british_spelling() -> None:
    american = re.compile(
        r"\b(tumor|tumors|anesthe\w*|hemorrhage|organiz\w*|color|center|centers)\b",
        re.IGNORECASE,
    )
    emoji = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf]")
    for name, variant in _variants():
        text = (
            variant["text"]
            + " "
            + " ".join(b["title"] for b in variant.get("buttons") or [])
        )
        assert not american.search(text), f"{name}: {american.search(text)}"
        assert not emoji.search(text), name


def test_greeting_says_what_the_assistant_is_and_is_not() -> None:
    text = _text("utter_greet").lower()
    assert "automated" in text
    assert "not a doctor" in text
    assert "not medical advice" in text
    assert "cryoablation" in text and "coordinator" in text
    payloads = {b["payload"] for b in GENERAL["utter_greet"][0]["buttons"]}
    assert payloads == {
        "/faq/what_is_cryoablation",
        "/check_eligibility",
        "/request_human",
    }


def test_emergency_reply_sends_the_patient_for_help_first() -> None:
    text = _text("utter_emergency").lower()
    assert "emergency number" in text
    assert "emergency department" in text
    assert "do not wait" in text
    assert "coordinator" in text
    # Nothing to tap instead of calling for help.
    assert not any(v.get("buttons") for v in GENERAL["utter_emergency"])


def test_bot_admits_being_a_bot_and_offers_a_person() -> None:
    text = _text("utter_iamabot").lower()
    assert "automated" in text and "not a doctor" in text
    payloads = {b["payload"] for b in GENERAL["utter_iamabot"][0]["buttons"]}
    assert "/request_human" in payloads


def test_clarify_is_text_only_because_the_action_adds_the_topics() -> None:
    assert not any(v.get("buttons") for v in GENERAL["utter_clarify"])


def test_cost_answer_admits_there_is_no_price_and_offers_a_coordinator() -> None:
    variant = FAQ["utter_faq/cost"][0]
    assert not CHECK.figures(variant["text"])
    assert "/request_human" in {b["payload"] for b in variant["buttons"]}


def test_own_response_names_are_not_defined_elsewhere() -> None:
    # Two files defining the same response: one answer silently wins.
    others = [ROOT / "domain.yml", *sorted((ROOT / "data").rglob("*.yml"))]
    for path in others:
        if path in OWN_FILES or not path.is_file():
            continue
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        clash = set(doc.get("responses") or {}) & set(ALL_OWN)
        assert not clash, f"{path.relative_to(ROOT)} also defines {sorted(clash)}"
