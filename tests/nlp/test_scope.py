"""The domain check: both sides of every family (bot/nlp/scope.py)."""

import pytest

from bot.nlp.scope import (
    IN_DOMAIN,
    NOT_COVERED,
    OUT_OF_DOMAIN,
    check_scope,
    clauses,
)

OUTSIDE = [
    # another organ or cancer as the target
    ("is cryo any good for a tumour in the kidney", "other_organ"),
    ("prostate cancer freezing, what are the results", "other_organ"),
    ("can a lung nodule be frozen", "other_organ"),
    ("my wife has thyroid cancer, what do you suggest", "other_organ"),
    ("my aunt's uterine fibroids, can they be ablated", "other_organ"),
    ("mastectomy or chemo first?", "other_organ"),
    ("is there a trial for lymphoma", "other_cancer"),
    ("my nephew has leukaemia", "other_cancer"),
    # other uses of freezing
    ("how long can i keep frozen embryos", "other_freezing_use"),
    ("can i freeze my eggs before chemo", "other_freezing_use"),
    ("does coolsculpting leave marks", "other_freezing_use"),
    ("my verruca was frozen twice, still there", "other_freezing_use"),
    ("is a cryo chamber good after the gym", "other_freezing_use"),
    ("best treatment for frozen shoulder", "other_freezing_use"),
    # animals, even with a liver tumour
    ("our dog has a liver tumour, can a vet freeze it", "animal"),
    ("my cat is sick, can you help", "animal"),
    # a liver disease that is not a tumour
    ("what diet helps fatty liver", "other_liver_condition"),
    ("which hepatitis c medicine is best", "other_liver_condition"),
    # services CancerFax does not offer
    ("please book me a taxi to the clinic", "unrelated_service"),
    ("i need my passport renewed", "unrelated_service"),
    ("can you find me a job in india", "unrelated_service"),
]

INSIDE = [
    # the liver as the place of a cancer from another organ
    "breast cancer spread to my mother's liver, can cryo help",
    "colon cancer operated, now 2 spots in the liver, can they be frozen?",
    "metastasis from breast cancer",
    "do you need the operation notes from his colon surgery",
    # body parts in passing, scans named like animals
    "his skin and eyes are a bit yellow, can he still have cryo",
    "my stomach hurts when i think about the operation",
    "will he get a dry mouth after the cryo",
    "is a PET scan needed before the freezing",
    "the CAT scan shows two lesions",
    "can it be done under spinal anaesthesia",
    # a liver disease named beside the treatment
    "cirrhosis from hepatitis B, can he still get cryo",
    "alcoholic cirrhosis and a small tumour, is freezing possible",
    # lab values in mg/dl are not medicine doses
    "bilirubin 1.2 mg/dl, platelets 90000",
    # ordinary questions
    "what is cryoablation",
    "how much does it cost",
    "",
]

UNCOVERED = [
    ("what should my father eat after the freezing", "diet"),
    ("can he have a beer after cryo", "alcohol"),
    ("how many mg of tramadol can she take", "medicine"),
    ("what is the dose of lenvatinib", "medicine"),
    ("does insurance cover it?", "insurance"),
    ("is it covered under mediclaim", "insurance"),
    ("is homeopathy ok with cryoablation", "alternative"),
    ("when can he go back to work after the procedure", "activity"),
]


@pytest.mark.parametrize("text, family", OUTSIDE)
def test_a_subject_outside_the_domain_is_out_of_scope(text, family):
    result = check_scope(text)
    assert result.verdict == OUT_OF_DOMAIN
    assert family in result.outside


@pytest.mark.parametrize("text", INSIDE)
def test_liver_tumour_messages_stay_in_scope(text):
    assert check_scope(text).verdict == IN_DOMAIN


@pytest.mark.parametrize("text, subject", UNCOVERED)
def test_liver_subjects_the_source_does_not_cover(text, subject):
    result = check_scope(text)
    assert result.verdict == NOT_COVERED
    assert subject in result.uncovered


def test_another_organ_or_cancer_is_medical_so_a_coordinator_can_help():
    assert check_scope("what is the best treatment for kidney cancer").medical
    assert not check_scope("how much does coolsculpting cost").medical
    assert not check_scope("can you book me a taxi").medical


def test_the_tables_are_large_enough_to_mean_something():
    assert len(OUTSIDE) >= 20 and len(INSIDE) >= 15 and len(UNCOVERED) >= 8


def test_clauses_split_at_punctuation_and_conjunctions():
    text = "is it safe and how much does it cost?\nmy dad is 70"
    assert [text[a:b] for a, b in clauses(text)] == [
        "is it safe",
        "how much does it cost",
        "my dad is 70",
    ]


def test_a_decimal_point_does_not_end_a_clause():
    text = "two tumours of 2.5 cm, can he get cryo?"
    assert [text[a:b] for a, b in clauses(text)] == [
        "two tumours of 2.5 cm",
        "can he get cryo",
    ]


def test_the_result_is_serialisable():
    assert check_scope("kidney tumour freezing").as_dict() == {
        "verdict": OUT_OF_DOMAIN,
        "outside": ["other_organ"],
        "uncovered": [],
        "medical": True,
    }
