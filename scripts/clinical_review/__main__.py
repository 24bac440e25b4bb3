"""``python -m scripts.clinical_review``: check what the bot says; update the register.

Usage::

    python -m scripts.clinical_review           # check; exit 1 and say what to do
    python -m scripts.clinical_review --add     # append missing rows (kind, why: TODO)
    python -m scripts.clinical_review --prune   # drop rows nobody says any more
    python -m scripts.clinical_review --show    # every sentence, its support, its line

After ``--add``, fill in each new row's kind and why (and leave its status
``pending`` for a clinician to sign): the check fails on TODO.
"""

from __future__ import annotations

import argparse
import sys

from scripts.clinical_review import register, wording
from scripts.clinical_review.source import unit_support, units
from scripts.clinical_review.texts import TEXT, all_texts


def _show() -> None:
    for text in all_texts():
        if text.kind != TEXT:
            continue
        for unit in units(text.text):
            for support in unit_support(unit):
                mark = "ok " if support.supported else "-- "
                print(f"{mark}{support.score:.2f} {text.where}: {support.clause}")
                if support.line:
                    print(f"         source: {support.line[:150]}")


def main(argv: list[str] | None = None) -> int:
    """Run the checks (or update the register); return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--add", action="store_true", help="append missing rows")
    group.add_argument("--prune", action="store_true", help="drop stale rows")
    group.add_argument("--show", action="store_true", help="list every sentence")
    args = parser.parse_args(argv)
    if args.show:
        _show()
        return 0
    if args.prune:
        print(f"{register.prune()} row(s) pruned from {register.REGISTER.name}")
        return 0
    finding = register.check()
    if args.add:
        added = register.add_missing(finding)
        print(f"{added} row(s) added to {register.REGISTER.name}: fill in kind and why")
        return 0
    problems = [
        *wording.qualifier_problems(),
        *wording.absolute_word_problems(),
    ]
    if finding.ok and not problems:
        pending, signed = register.counts(register.load())
        print(
            f"clinical review: every sentence is supported by the source or "
            f"registered ({pending} pending sign-off, {signed} signed); "
            "qualifiers kept; no absolute word without its source line"
        )
        return 0
    if not finding.ok:
        print(finding.report())
    for problem in problems:
        print(problem)
    return 1


if __name__ == "__main__":
    sys.exit(main())
