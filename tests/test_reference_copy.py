"""reference/ must stay an exact copy of the shared contracts it mirrors."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def _files(base: Path):
    return sorted(
        p.relative_to(base)
        for sub in ("seeds", "spec", "tools")
        for p in (base / sub).rglob("*")
        if p.is_file()
    )


def test_reference_has_the_seed_spec_and_fact_checker():
    names = {str(p) for p in _files(ROOT / "reference")}
    assert "seeds/000_4c5dabd8a3483595.txt" in names
    assert {
        "spec/eligibility.md",
        "spec/faq_topics.md",
        "spec/lab_extraction.md",
    } <= names
    assert "tools/check_answer_facts.py" in names


@pytest.mark.skipif(not SHARED.is_dir(), reason="no ../shared beside this clone")
def test_reference_matches_shared():
    assert _files(ROOT / "reference") == _files(SHARED)
    for rel in _files(SHARED):
        assert (ROOT / "reference" / rel).read_bytes() == (
            SHARED / rel
        ).read_bytes(), rel
