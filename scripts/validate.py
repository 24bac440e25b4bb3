"""`make validate`: ``rasa data validate``, with no warning let through.

Rasa 3.6's validator exits 0 on two kinds of warning that are false positives
for this project, so on its own it would hide real ones behind them. This
script runs it, then fails on EVERY warning except, each checked rather than
assumed:

* "The utterance 'utter_x' is not used in any story or rule" when ``utter_x``
  is provably used elsewhere: named in a custom action's code
  (``response="utter_x"``) or asked by a form (``utter_ask_<slot>`` of a slot
  the form requires). A response used nowhere still fails.
* "The following duplicated intents have been found across multiple domain
  files: faq": Rasa adds every retrieval intent of the NLU data to the domain
  and then warns that domain.yml lists it too; leaving it out of domain.yml
  instead makes the story reader warn that rules use an unknown intent.
* "The intent 'EXTERNAL_x' is listed in the domain file, but is not found in
  the NLU training data" for an ``EXTERNAL_`` intent that a rule answers:
  those are triggered by the console through Rasa's API
  (``bot/handoff/relay.py``) and must never be predicted from a patient's
  words, so they must have no training examples.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import List, Set

import yaml

ROOT = Path(__file__).resolve().parent.parent
UNUSED = re.compile(r"The utterance '([^']+)' is not used in any story or rule")
DUPLICATE_FAQ = "duplicated intents have been found across multiple domain files: faq"
UNTRAINED = re.compile(
    r"The intent '(EXTERNAL_[A-Za-z0-9_]+)' is listed in the domain file, but is "
    r"not found in the NLU training data"
)


def ruled_intents() -> Set[str]:
    """Intents that start a rule in data/rules/*.yml."""
    found: Set[str] = set()
    for path in (ROOT / "data" / "rules").glob("*.yml"):
        for rule in (yaml.safe_load(path.read_text()) or {}).get("rules") or []:
            for step in rule.get("steps") or []:
                if isinstance(step, dict) and "intent" in step:
                    found.add(step["intent"])
    return found


def _code() -> str:
    paths = list((ROOT / "actions").rglob("*.py")) + list((ROOT / "bot").rglob("*.py"))
    return "\n".join(p.read_text() for p in paths)


def used_by_code(name: str, code: str) -> bool:
    """Whether the custom actions or bot code send the response ``name``.

    Counts a literal ``"utter_x"``; a name built from a literal prefix
    (``"utter_screening_help_"`` + field, ``f"utter_screening_{outcome}"``);
    and ``utter_ask_<q>`` for a question ``"<q>"`` that the form code sets as
    its requested slot.
    """
    literals = set(re.findall(r"[\"']([a-z0-9_]+)[\"']", code))
    if name in literals:
        return True
    # A prefix must name a family ("utter_screening_"), not just "utter_".
    prefixes = set(re.findall(r"[\"'](utter_[a-z0-9]+_[a-z0-9_]*)[\"']", code))
    prefixes |= set(re.findall(r"f[\"'](utter_[a-z0-9]+_[a-z0-9_]*)\{", code))
    prefixes = {p for p in prefixes if p.endswith("_")}
    if any(name.startswith(prefix) for prefix in prefixes):
        return True
    return name.startswith("utter_ask_") and name[len("utter_ask_") :] in literals


def asked_by_forms() -> Set[str]:
    """``utter_ask_<slot>`` for every slot a form of domain.yml requires."""
    domain = yaml.safe_load((ROOT / "domain.yml").read_text()) or {}
    slots = set((domain.get("slots") or {}).keys())
    for form in (domain.get("forms") or {}).values():
        slots |= set((form or {}).get("required_slots") or [])
    return {f"utter_ask_{slot}" for slot in slots}


def warnings_of(output: str) -> List[str]:
    """The text of each ``UserWarning`` Rasa printed."""
    found = []
    for match in re.finditer(r"UserWarning: (.*?)(?=\n\S|\Z)", output, re.S):
        found.append(" ".join(match.group(1).split()))
    return found


def main() -> int:
    """Run the validator; print and count the warnings that are not explained."""
    result = subprocess.run(
        [
            str(ROOT / ".venv" / "bin" / "rasa"),
            "data",
            "validate",
            "--fail-on-warnings",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    output = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout + result.stderr)
    code = _code()
    asked = asked_by_forms()
    ruled = ruled_intents()
    problems = []
    explained = 0
    for warning in warnings_of(output):
        unused = UNUSED.search(warning)
        if unused and (unused.group(1) in asked or used_by_code(unused.group(1), code)):
            explained += 1
        elif DUPLICATE_FAQ in warning:
            explained += 1
        elif (untrained := UNTRAINED.search(warning)) and untrained.group(1) in ruled:
            explained += 1
        else:
            problems.append(warning)
    for problem in problems:
        print(f"WARNING: {problem}")
    print(
        f"rasa data validate: exit {result.returncode}, {len(problems)} warnings, "
        f"{explained} known false positives checked and explained"
    )
    return 1 if result.returncode or problems else 0


if __name__ == "__main__":
    sys.exit(main())
