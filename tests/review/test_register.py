"""The register of what the bot says beyond its source (docs/clinical_review.md).

Every unit of every text the bot can send — every response file, present and
future, and the texts built in code — is supported by the clinical source or
listed in the register; adding an unreviewed sentence anywhere fails, with
the row to add in the message.
"""

import itertools
import re
import shutil

import pytest
import yaml

from bot.eligibility import assess, criteria
from bot.screening import effects
from scripts.clinical_review import register
from scripts.clinical_review.register import Row
from scripts.clinical_review.source import ROOT
from scripts.clinical_review.texts import (
    TEXT,
    Text,
    all_texts,
    code_texts,
    response_files,
    response_texts,
)

TEXTS = all_texts()
ROWS = register.load()


def test_every_sentence_is_supported_by_the_source_or_registered():
    finding = register.check(ROWS, TEXTS)
    assert finding.ok, finding.report()


def test_the_register_is_read():
    # Guards the parser: an empty register would make nothing pass, a
    # garbled one would hide rows.
    assert len(ROWS) > 200
    assert all(row.says and row.where for row in ROWS)
    kinds = {row.kind for row in ROWS}
    assert {"safety", "explanation", "disclaimer", "computed"} <= kinds


def _with(texts, where, extra):
    return [
        Text(t.where, t.file, t.text + "\n" + extra, t.kind)
        if t.where == where and t.kind == TEXT
        else t
        for t in texts
    ]


@pytest.mark.parametrize(
    "where",
    ["utter_faq/near_blood_vessels", "utter_screening_likely_suitable"],
)
def test_an_unreviewed_sentence_in_a_response_fails_and_says_what_to_add(where):
    sentence = "Freezing does not have this problem."
    finding = register.check(ROWS, _with(TEXTS, where, sentence))
    assert not finding.ok
    assert [(row.says, row.where) for row in finding.missing] == [(sentence, [where])]
    report = finding.report()
    assert f"| {sentence} | `{where}` | TODO | TODO | pending |" in report
    assert "docs/clinical_review.md" in report


def test_an_unreviewed_sentence_in_code_fails():
    rule = "code:eligibility.rule.child_pugh.next_step"
    finding = register.check(
        ROWS, _with(TEXTS, rule, "Other treatments may fit your situation better.")
    )
    assert [row.where for row in finding.missing] == [[rule]]


def test_a_response_file_added_later_is_reviewed_too(tmp_path):
    # Another engineer's file (issue 10 adds data/responses/handoff.yml).
    (tmp_path / "domain.yml").write_text('version: "3.1"\n')
    new = tmp_path / "data" / "responses" / "handoff.yml"
    new.parent.mkdir(parents=True)
    new.write_text(
        yaml.safe_dump(
            {
                "version": "3.1",
                "responses": {
                    "utter_handoff_joined": [
                        {"text": "Anna has joined. Cryoablation will cure this."}
                    ]
                },
            }
        )
    )
    added = response_texts(tmp_path)
    assert [t.file for t in added] == ["data/responses/handoff.yml"]
    finding = register.check(ROWS, [*TEXTS, *added])
    assert {row.says for row in finding.missing} == {
        "Anna has joined.",
        "Cryoablation will cure this.",
    }
    assert all(row.where == ["utter_handoff_joined"] for row in finding.missing)


def test_a_registered_sentence_said_in_a_new_place_is_reviewed_there():
    said = (
        "New yellowing, especially after a procedure, needs urgent medical attention."
    )
    assert any(row.says == said for row in ROWS)
    finding = register.check(ROWS, _with(TEXTS, "utter_faq/cirrhosis", said))
    assert [(row.says, row.where) for row in finding.missing] == [
        (said, ["utter_faq/cirrhosis"])
    ]


def test_a_row_nobody_says_any_more_is_reported():
    gone = Row(
        "Cryoablation is painless.", ["utter_faq/pain"], "safety", "x", "pending"
    )
    finding = register.check([*ROWS, gone], TEXTS)
    assert finding.stale and "Cryoablation is painless." in finding.stale[0]


@pytest.mark.parametrize(
    ("kind", "why", "status", "problem"),
    [
        ("TODO", "x", "pending", "kind"),
        ("safety", "TODO", "pending", "why is empty"),
        ("safety", "x", "ok", "status"),
        ("safety", "x", "signed Dr A. Rao", "status"),
    ],
)
def test_a_row_needs_a_kind_a_why_and_a_status(kind, why, status, problem):
    first = ROWS[0]
    bad = Row(first.says, first.where, kind, why, status, line=7)
    finding = register.check([bad, *ROWS[1:]], TEXTS)
    assert finding.invalid and problem in finding.invalid[0]


def test_a_signed_row_is_accepted():
    first = ROWS[0]
    signed = Row(
        first.says, first.where, first.kind, first.why, "signed Dr A. Rao 2026-07-01"
    )
    assert register.check([signed, *ROWS[1:]], TEXTS).ok


def test_rows_are_written_and_read_back_unchanged():
    row = Row("a | b {x}", ["utter_a", "code:b.c"], "process", "why | not", "pending")
    doc = f"{register.START}\n{register.HEADER}\n|---|\n{row.render()}\n{register.END}"
    (back,) = register.parse(doc)
    assert (back.says, back.where, back.kind, back.why, back.status) == (
        row.says,
        row.where,
        row.kind,
        row.why,
        row.status,
    )


def test_add_and_prune_update_the_register(tmp_path):
    copy = tmp_path / "clinical_review.md"
    shutil.copy(register.REGISTER, copy)
    texts = _with(TEXTS, "utter_faq/pain", "Nurses bring warm blankets.")
    finding = register.check(register.load(copy), texts)
    assert register.add_missing(finding, copy) == 1
    rows = register.load(copy)
    assert rows[-1].says == "Nurses bring warm blankets." and rows[-1].kind == "TODO"
    # The sentence goes away again: prune drops its row, and only it.
    assert register.prune(TEXTS, copy) == 1
    assert [r.says for r in register.load(copy)] == [r.says for r in ROWS]


def test_every_response_file_is_read():
    files = {str(p.relative_to(ROOT)) for p in response_files()}
    assert "domain.yml" in files
    on_disk = {
        str(p.relative_to(ROOT)) for p in (ROOT / "data/responses").glob("*.yml")
    }
    assert on_disk <= files
    names = set()
    for path in on_disk:
        names |= set(yaml.safe_load((ROOT / path).read_text())["responses"])
    assert names == {t.where for t in response_texts()}


def test_the_rules_table_names_the_child_pugh_reference():
    doc = register.REGISTER.read_text(encoding="utf-8")
    assert criteria.CHILD_PUGH_REFERENCE in doc
    assert "does not define them" in doc


# ---------------------------------------------------------------------------
# Every sentence built in code comes from a listed text
# ---------------------------------------------------------------------------


def _template(text):
    return re.compile(re.sub(r"\\{\w+\\}", ".+", re.escape(text)) + r"$", re.DOTALL)


CODE_TEMPLATES = [_template(t.text) for t in code_texts() if t.kind == TEXT]

BASE = {
    "diagnosis": "hcc",
    "lesion_count": 1,
    "max_lesion_cm": 2.0,
    "child_pugh": "A5",
    "bilirubin_mg_dl": 1.0,
    "platelets_per_ul": 100000,
}
CHANGES = [
    {},
    {"lesion_count": 5},
    {"max_lesion_cm": 4.0},
    {"max_lesion_cm": 7.0},
    {"child_pugh": "B"},
    {"child_pugh": "B8"},
    {"child_pugh": "B8", "child_pugh_source": "computed"},
    {"child_pugh": "A6", "child_pugh_source": "computed"},
    {"bilirubin_mg_dl": 2.5},
    {"platelets_per_ul": 30000},
    {"bile_duct_distance_mm": 3},
    {"bile_duct_distance_mm": 9, "bclc_stage": "A"},
    {"bclc_stage": "B"},
    {"bclc_stage": "C"},
    {"diagnosis": "other", "child_pugh": None},
    {"diagnosis": "metastasis", "child_pugh": None},
    {"platelets_per_ul": None, "child_pugh": None},
    {"diagnosis": None},
]


def _results():
    for a, b in itertools.combinations_with_replacement(CHANGES, 2):
        facts = {k: v for k, v in {**BASE, **a, **b}.items() if v is not None}
        yield assess(facts)


def test_every_sentence_the_rules_produce_comes_from_a_listed_text():
    produced = {
        text
        for result in _results()
        for text in (*result.reasons, *result.next_steps, *result.notes)
    }
    assert len(produced) > 30
    unlisted = [
        text for text in produced if not any(t.match(text) for t in CODE_TEMPLATES)
    ]
    assert unlisted == []


def test_the_read_back_notes_are_listed():
    listed = {t.text for t in code_texts()}
    assert effects.COMPUTED_READBACK_NOTE in listed
    assert effects.NOT_GIVEN in listed
