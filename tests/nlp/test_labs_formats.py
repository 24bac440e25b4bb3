"""How patients and reports from many countries write lab values and tumour details.

Every case is a message a patient could send; the expected dict is exactly
what ``extract_labs`` must return (only the fields found, canonical units).
"""

import subprocess
import sys

import pytest

from bot.nlp import extract_labs
from bot.nlp.labs.extractor import extract_lab_findings


def _cases(*rows):
    return pytest.mark.parametrize("text, expected", rows, ids=[r[0] for r in rows])


# --------------------------------------------------------------------------
# Report styles by region
# --------------------------------------------------------------------------


@_cases(
    ("S. Bilirubin (Total) : 1.2 mg/dl", {"bilirubin_mg_dl": 1.2}),
    ("S. bilirubin 1.1 mg%", {"bilirubin_mg_dl": 1.1}),
    ("Platelet Count : 1.5 Lakhs/cumm", {"platelets_per_ul": 150000}),
    ("plt count 2.1 lac/cmm", {"platelets_per_ul": 210000}),
    ("Platelet count: 2,50,000/cu mm", {"platelets_per_ul": 250000}),
    ("plt 12,00,000", {"platelets_per_ul": 1200000}),
    ("plt 1.2L", {"platelets_per_ul": 120000}),
    ("Platelets 1 lakh", {"platelets_per_ul": 100000}),
    ("S. Albumin : 3.2 gm/dl", {"albumin_g_dl": 3.2}),
    ("PT INR : 1.3", {"inr": 1.3}),
    ("Bilirubin Total 1.2 0.2-1.2 mg/dL", {"bilirubin_mg_dl": 1.2}),  # value ref unit
    ("Albumin 3.1 3.5-5.0 g/dL", {"albumin_g_dl": 3.1}),
    (
        "Platelets 90 x 10^3/mm3, T. Bilirubin 2.1 mg/dL, S. Albumin 2.9 g/dL, INR 1.6",
        {
            "platelets_per_ul": 90000,
            "bilirubin_mg_dl": 2.1,
            "albumin_g_dl": 2.9,
            "inr": 1.6,
        },
    ),
    (
        "platelets 1,50,000/cumm; bilirubin 0.9 mg/dL; albumin 4.1 g/dL",
        {"platelets_per_ul": 150000, "bilirubin_mg_dl": 0.9, "albumin_g_dl": 4.1},
    ),
    (
        "62 year old male, HCC, bilirubin 1.1 mg/dl, platelets 1.1 lakh, single "
        "lesion 3.4 cm in S8, Child A5, BCLC A",
        {
            "diagnosis": "hcc",
            "bilirubin_mg_dl": 1.1,
            "platelets_per_ul": 110000,
            "lesion_count": 1,
            "max_lesion_cm": 3.4,
            "child_pugh": "A5",
            "bclc_stage": "A",
        },
    ),
)
def test_india(text, expected):
    assert extract_labs(text) == expected


@_cases(
    ("TBIL 34.2 μmol/L", {"bilirubin_mg_dl": 2.0}),  # Greek mu
    ("TBIL 34.2 µmol/L", {"bilirubin_mg_dl": 2.0}),  # micro sign
    ("ALB 35 g/L", {"albumin_g_dl": 3.5}),
    ("PLT 65 ×10⁹/L", {"platelets_per_ul": 65000}),
    ("PLT 95 x10³/µL", {"platelets_per_ul": 95000}),
    ("PT-INR 1.12", {"inr": 1.12}),
    ("DBIL 12 umol/L TBIL 30 umol/L", {"bilirubin_mg_dl": 1.75}),
    (
        "TBIL 34.2μmol/L ALB 35g/L PLT 65×10^9/L INR 1.12",
        {
            "bilirubin_mg_dl": 2.0,
            "albumin_g_dl": 3.5,
            "platelets_per_ul": 65000,
            "inr": 1.12,
        },
    ),
    (
        "Patient: 55F. Dx: Hepatocellular carcinoma. Lesions: 2 (S6 3.1x2.8cm; "
        "S7 1.9 cm). TBIL 18 µmol/L. PLT 95x10^9/L. ALB 36 g/L. INR 1.08. CTP A6.",
        {
            "diagnosis": "hcc",
            "lesion_count": 2,
            "max_lesion_cm": 3.1,
            "bilirubin_mg_dl": 1.05,
            "platelets_per_ul": 95000,
            "albumin_g_dl": 3.6,
            "inr": 1.08,
            "child_pugh": "A6",
        },
    ),
    ("TBIL（μmol/L）：34.2", {"bilirubin_mg_dl": 2.0}),  # full-width punctuation
    ("PLT (x10^9/L) 65", {"platelets_per_ul": 65000}),  # unit in the header
)
def test_china(text, expected):
    assert extract_labs(text) == expected


@_cases(
    ("Total Bilirubin ٣٤ µmol/L", {"bilirubin_mg_dl": 1.99}),  # Arabic-Indic digits
    ("Platelets ١٥٠ x10^9/L", {"platelets_per_ul": 150000}),
    ("Albumin ٣٫٥ g/dL", {"albumin_g_dl": 3.5}),  # Arabic decimal separator
    ("Platelets 150 10^3/uL", {"platelets_per_ul": 150000}),
    ("Bilirubin 1.2 (0.2-1.2) mg/dL", {"bilirubin_mg_dl": 1.2}),
    ("platelets 120 10^3/uL", {"platelets_per_ul": 120000}),
    (
        "Hemoglobin 11 g/dL Platelets 210 K/uL Albumin 3.9 g/dL Bilirubin total "
        "0.8 mg/dL INR 1.0",
        {
            "platelets_per_ul": 210000,
            "albumin_g_dl": 3.9,
            "bilirubin_mg_dl": 0.8,
            "inr": 1.0,
        },
    ),
)
def test_middle_east(text, expected):
    assert extract_labs(text) == expected


@_cases(
    (
        "Bilirubin total 25 umol/l, albumin 38 g/l, platelets 180 x10^9/l",
        {"bilirubin_mg_dl": 1.46, "albumin_g_dl": 3.8, "platelets_per_ul": 180000},
    ),
    ("Platelets: 95 x 10 3/uL", {"platelets_per_ul": 95000}),
    ("PLT 65 x 10^9/l", {"platelets_per_ul": 65000}),
    ("platelets 150 10*9/L", {"platelets_per_ul": 150000}),
    ("PLT 150 x10E9/L", {"platelets_per_ul": 150000}),
    ("WBC 5.6 x10^9/L, PLT 88 x10^9/L", {"platelets_per_ul": 88000}),
    ("TBil 25 umol", {"bilirubin_mg_dl": 1.46}),
)
def test_africa(text, expected):
    assert extract_labs(text) == expected


@_cases(
    ("INR 1,2", {"inr": 1.2}),
    ("Bilirubin 1,2 mg/dl", {"bilirubin_mg_dl": 1.2}),
    ("albumine 3,4", {"albumin_g_dl": 3.4}),
    ("Albumin 35 g/l", {"albumin_g_dl": 3.5}),
    ("Thrombocytes 150 G/L", {"platelets_per_ul": 150000}),
    ("Thrombozyten 150 /nl", {"platelets_per_ul": 150000}),
    ("PLT 150.000/mm3", {"platelets_per_ul": 150000}),
    ("plaquettes 150 000/mm3", {"platelets_per_ul": 150000}),
    ("bilirubin 20.5 μmol/l", {"bilirubin_mg_dl": 1.2}),
)
def test_europe(text, expected):
    assert extract_labs(text) == expected


# --------------------------------------------------------------------------
# Typos, spacing and separators
# --------------------------------------------------------------------------


@_cases(
    ("billirubin 2.1 mg/dL", {"bilirubin_mg_dl": 2.1}),
    ("bilirubine 40 umol/l", {"bilirubin_mg_dl": 2.34}),
    ("T.bil 1.8 mg/dl", {"bilirubin_mg_dl": 1.8}),
    ("T. bil 1.8 mg/dl", {"bilirubin_mg_dl": 1.8}),
    ("bili 34 µmol/l", {"bilirubin_mg_dl": 1.99}),
    ("Bilirubin: 22 micromol/L", {"bilirubin_mg_dl": 1.29}),
    ("bilirubin:1.2mg/dl", {"bilirubin_mg_dl": 1.2}),
    ("Bilirubin=1.2 mg/dl", {"bilirubin_mg_dl": 1.2}),
    ("bilirubin - 1.2 mg/dl", {"bilirubin_mg_dl": 1.2}),
    ("platlets 80k", {"platelets_per_ul": 80000}),
    ("plt 80 K/uL", {"platelets_per_ul": 80000}),
    ("plts 45k/ul", {"platelets_per_ul": 45000}),
    ("PLT 88 thou/uL", {"platelets_per_ul": 88000}),
    ("platelet 95 thousand", {"platelets_per_ul": 95000}),
    ("PLT150", {"platelets_per_ul": 150000}),
    ("alb 2.9", {"albumin_g_dl": 2.9}),
    ("ALB: 35.2 g/L", {"albumin_g_dl": 3.52}),
    ("Albumin 32g/l", {"albumin_g_dl": 3.2}),
    ("INR1.3", {"inr": 1.3}),
    ("INR is 1.4", {"inr": 1.4}),
    ("Plt. 150", {"platelets_per_ul": 150000}),
    ("Bil. T 1.2 mg/dl", {"bilirubin_mg_dl": 1.2}),
    ("Alb. 3.5", {"albumin_g_dl": 3.5}),
)
def test_typos_and_separators(text, expected):
    assert extract_labs(text) == expected


@_cases(
    ("Platelets 150000", {"platelets_per_ul": 150000}),  # bare >= 1000: per µL
    ("platelets 90", {"platelets_per_ul": 90000}),  # bare < 1000: ×10^9/L
    ("platelets 75,000", {"platelets_per_ul": 75000}),
    ("albumin 30", {"albumin_g_dl": 3.0}),  # bare >= 10: g/L
    ("alb 4", {"albumin_g_dl": 4.0}),  # bare < 10: g/dL
)
def test_values_without_units_that_the_spec_reads(text, expected):
    assert extract_labs(text) == expected


# --------------------------------------------------------------------------
# Several values, value before the name, corrections
# --------------------------------------------------------------------------


@_cases(
    (
        "bilirubin 1.2 mg/dl, albumin 3.8 g/dl, INR 1.1, platelets 1.8 lakh, "
        "2 lesions largest 2.5 cm, Child A",
        {
            "bilirubin_mg_dl": 1.2,
            "albumin_g_dl": 3.8,
            "inr": 1.1,
            "platelets_per_ul": 180000,
            "lesion_count": 2,
            "max_lesion_cm": 2.5,
            "child_pugh": "A",
        },
    ),
    (
        "My father is 70 years old with liver mets from colon cancer. 3 lesions, "
        "biggest 2 cm. Bilirubin 0.8 mg/dl, platelets 2.5 lakh",
        {
            "diagnosis": "metastasis",
            "lesion_count": 3,
            "max_lesion_cm": 2.0,
            "bilirubin_mg_dl": 0.8,
            "platelets_per_ul": 250000,
        },
    ),
    (
        "HCC, 2 lesions (3.2 cm, 1.5 cm), CP A6, BCLC A",
        {
            "diagnosis": "hcc",
            "lesion_count": 2,
            "max_lesion_cm": 3.2,
            "child_pugh": "A6",
            "bclc_stage": "A",
        },
    ),
    (
        "bilirubin and albumin are 1.2 mg/dl and 3.5 g/dl",
        {"bilirubin_mg_dl": 1.2, "albumin_g_dl": 3.5},
    ),
    (
        "bilirubin, albumin and INR: 1.2 mg/dl, 3.5, 1.1",
        {"bilirubin_mg_dl": 1.2, "albumin_g_dl": 3.5, "inr": 1.1},
    ),
    ("1.2 lakh platelets", {"platelets_per_ul": 120000}),
    ("80k platelets", {"platelets_per_ul": 80000}),
    ("34 umol/L bilirubin", {"bilirubin_mg_dl": 1.99}),
    (
        "Total Bilirubin 1.2 mg/dL (0.3-1.2), Direct bilirubin 0.4",
        {"bilirubin_mg_dl": 1.2},
    ),
    ("AFP 400 ng/ml, PLT 120 x10^9/L", {"platelets_per_ul": 120000}),
    ("Hb 10.2 g/dl, platelets 110000", {"platelets_per_ul": 110000}),
    ("PT 14 sec, INR 1.1", {"inr": 1.1}),
    ("bilirubin 1.5 mg/dl on 12/05/2024", {"bilirubin_mg_dl": 1.5}),
    ("bilirubin 1.5 mg/dl on 12 May 2024", {"bilirubin_mg_dl": 1.5}),
    (
        "Hi, my mother is 65 and has HCC. Her bilirubin is 1.8 mg/dL, platelets "
        "95,000, and the tumour is 3.5 cm.",
        {
            "diagnosis": "hcc",
            "bilirubin_mg_dl": 1.8,
            "platelets_per_ul": 95000,
            "max_lesion_cm": 3.5,
        },
    ),
    (
        "He had TACE 2 times. now 1 lesion of 2cm remaining",
        {"lesion_count": 1, "max_lesion_cm": 2.0},
    ),
    ("platelets are fine, around 1.5 lakh", {"platelets_per_ul": 150000}),
    ("platelets normal, 2 of the lesions are 3 cm", {"max_lesion_cm": 3.0}),
)
def test_several_values_in_any_order(text, expected):
    assert extract_labs(text) == expected


@_cases(
    ("sorry, platelets are 80k", {"platelets_per_ul": 80000}),
    ("platelets 60k, sorry I meant 80k", {"platelets_per_ul": 80000}),
    ("bilirubin 2.1 mg/dl sorry 1.2", {"bilirubin_mg_dl": 1.2}),
    (
        "bilirubin 2.3 mg/dl, platelets 90k. Sorry, bilirubin is 1.3 mg/dl",
        {"bilirubin_mg_dl": 1.3, "platelets_per_ul": 90000},
    ),
    ("bilirubin is not 2.1 but 1.2 mg/dl", {"bilirubin_mg_dl": 1.2}),
    ("platelets went from 120k to 80k", {"platelets_per_ul": 80000}),
    ("bilirubin dropped from 3.1 to 2.2 mg/dl", {"bilirubin_mg_dl": 2.2}),
    ("one lesion, sorry, two lesions", {"lesion_count": 2}),
    ("tumour shrank from 4 cm to 2.5 cm after TACE", {"max_lesion_cm": 2.5}),
)
def test_corrections_and_updates_keep_the_latest_value(text, expected):
    assert extract_labs(text) == expected


# --------------------------------------------------------------------------
# Questions and criteria are not measurements
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "target bilirubin below 2",
        "bilirubin should be under 2",
        "what if bilirubin is above 2?",
        "is a platelet count of 50000 enough?",
        "Platelets must be above 50,000 right?",
        "Do you need platelets over 50,000?",
        "What is the platelet cutoff, 50000?",
        "Can you treat tumours larger than 5 cm?",
        "Is 3 cm too big for cryo?",
        "Is bilirubin 2.5 ok?",
        "if bilirubin is 3, can I have it?",
        "Is cryoablation possible for 4 lesions?",
        "Is cryo possible for Child-Pugh B patients?",
        "Can cryoablation treat HCC?",
        "Does it work for BCLC stage A?",
        "tumours up to 5 cm can be treated",
        "What is cryoablation?",
        "Hello",
        "",
    ],
)
def test_questions_and_criteria_give_no_value(text):
    assert extract_labs(text) == {}


@_cases(
    ("my platelets are 45000, is that too low?", {"platelets_per_ul": 45000}),
    ("Is my 3 cm tumour too big?", {"max_lesion_cm": 3.0}),
    (
        "the doctor said platelets should be at least 50k, mine are 40k",
        {"platelets_per_ul": 40000},
    ),
    (
        "my dad has HCC with 2 lesions, is he eligible?",
        {"diagnosis": "hcc", "lesion_count": 2},
    ),
    ("Bilirubin 1.5 mg/dl (ref 0.2-1.2)", {"bilirubin_mg_dl": 1.5}),
    ("Bilirubin 1.5 mg/dl (normal range 0.2-1.2)", {"bilirubin_mg_dl": 1.5}),
)
def test_a_patients_own_values_next_to_a_question_are_kept(text, expected):
    assert extract_labs(text) == expected


def test_negative_and_absurd_values_are_kept_as_typed():
    assert extract_labs("bilirubin -2 mg/dl") == {"bilirubin_mg_dl": -2.0}
    assert extract_labs("platelets -50") == {"platelets_per_ul": -50000}
    assert extract_labs("INR 15") == {"inr": 15.0}
    assert extract_labs("tumour 50 cm") == {"max_lesion_cm": 50.0}
    assert extract_labs("bilirubin 500 umol/l") == {"bilirubin_mg_dl": 29.24}


# --------------------------------------------------------------------------
# Ambiguous values: not returned, reported by extract_lab_findings
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, number",
    [
        ("bilirubin 40", 40.0),
        ("bili 1.5", 1.5),
        ("my bilirubin was 2.3 last week", 2.3),
        ("bilirubin 1.2, should I worry?", 1.2),
        ("billirubin 120", 120.0),
    ],
)
def test_bilirubin_without_unit_is_asked_not_guessed(text, number):
    assert "bilirubin_mg_dl" not in extract_labs(text)
    finding = extract_lab_findings(text)["bilirubin_mg_dl"]
    assert finding.ambiguous and finding.reason == "no_unit"
    assert finding.value is None
    assert finding.raw_value == number
    assert finding.raw_unit is None
    assert finding.options == {
        "mg/dL": round(number, 2),
        "µmol/L": round(number / 17.1, 2),
    }


def test_unitless_bilirubin_does_not_hide_the_other_values():
    text = "bilirubin 1.2 albumin 3.5 INR 1.1"
    assert extract_labs(text) == {"albumin_g_dl": 3.5, "inr": 1.1}
    assert extract_lab_findings(text)["bilirubin_mg_dl"].ambiguous


@pytest.mark.parametrize(
    "text, field, reason",
    [
        ("platelets above 100k", "platelets_per_ul", "bound"),
        ("less than 5 mm from bile duct", "bile_duct_distance_mm", "bound"),
        ("it is within 5 mm of the bile duct", "bile_duct_distance_mm", "bound"),
        ("more than 3 lesions", "lesion_count", "bound"),
        ("size 3", "max_lesion_cm", "no_unit"),
        ("largest 3", "max_lesion_cm", "no_unit"),
        ("billirubin 34 mmol/L", "bilirubin_mg_dl", "unit_of_another_test"),
        ("albumin 3.5 mg/dl", "albumin_g_dl", "unit_of_another_test"),
        ("bilirubin 1.2-1.5 mg/dl", "bilirubin_mg_dl", "range"),
        ("Child-Pugh B5", "child_pugh", "score_does_not_fit_class"),
        ("HCC or metastasis, not sure", "diagnosis", "alternatives"),
    ],
)
def test_ambiguous_values_are_reported_not_returned(text, field, reason):
    assert field not in extract_labs(text)
    finding = extract_lab_findings(text)[field]
    assert finding.ambiguous
    assert finding.reason == reason


def test_finding_keeps_what_the_patient_typed_and_where():
    text = "TBIL 34.2 μmol/L and PLT 65 ×10⁹/L"
    findings = extract_lab_findings(text)
    bili = findings["bilirubin_mg_dl"]
    assert (bili.value, bili.raw_value, bili.raw_unit, bili.unit) == (
        2.0,
        34.2,
        "μmol/L",
        "µmol/L",
    )
    assert text[bili.start : bili.end] == bili.text == "34.2 μmol/L"
    plt = findings["platelets_per_ul"]
    assert (plt.value, plt.raw_value, plt.raw_unit) == (65000, 65.0, "×10⁹/L")
    assert text[plt.start : plt.end] == "65 ×10⁹/L"
    assert not bili.ambiguous and not plt.ambiguous
    assert bili.to_dict()["field"] == "bilirubin_mg_dl"


# --------------------------------------------------------------------------
# Lesions: count, size, distance to the bile duct
# --------------------------------------------------------------------------


@_cases(
    ("two lesions, 3 cm and 2.1 cm", {"lesion_count": 2, "max_lesion_cm": 3.0}),
    ("tumour 4.2 x 3.1 cm", {"max_lesion_cm": 4.2}),
    ("lesion 42 x 31 mm", {"max_lesion_cm": 4.2}),
    ("tumour measures 2.5 x 2.0 x 1.8 cm", {"max_lesion_cm": 2.5}),
    ("tumors: 2, largest 35mm", {"lesion_count": 2, "max_lesion_cm": 3.5}),
    ("2 nodules of 1.5 cm", {"lesion_count": 2, "max_lesion_cm": 1.5}),
    ("two spots in the liver", {"lesion_count": 2}),
    ("3 tumours", {"lesion_count": 3}),
    ("ten lesions", {"lesion_count": 10}),
    ("lesions: three", {"lesion_count": 3}),
    ("tumour count 3", {"lesion_count": 3}),
    ("no. of lesions - 2", {"lesion_count": 2}),
    ("multiple lesions, largest 3 cm", {"max_lesion_cm": 3.0}),
    (
        "solitary HCC of 4 cm",
        {"lesion_count": 1, "max_lesion_cm": 4.0, "diagnosis": "hcc"},
    ),
    ("lesions 2.5, 1.8 and 1.2 cm", {"max_lesion_cm": 2.5}),
    ("1.5 cm, 2 cm and 3.2 cm lesions", {"max_lesion_cm": 3.2}),
    ("one tumour", {"lesion_count": 1}),
    ("solitary lesion", {"lesion_count": 1}),
    ("two tumours of 2 and 3 cm", {"lesion_count": 2, "max_lesion_cm": 3.0}),
    ("3 lesions of 1-2 cm", {"lesion_count": 3, "max_lesion_cm": 2.0}),
    ("It's a 25mm tumour", {"max_lesion_cm": 2.5}),
    (
        "liver span 16 cm, 2 lesions 3 cm and 1 cm in segment 6 and 7",
        {"lesion_count": 2, "max_lesion_cm": 3.0},
    ),
    ("spleen 14 cm", {}),
    ("stage 4 colon cancer", {}),
    ("lesion in segment 7 measuring 2.3 x 1.8 cm", {"max_lesion_cm": 2.3}),
)
def test_lesion_count_and_size(text, expected):
    assert extract_labs(text) == expected


@_cases(
    (
        "3 cm lesion, 1 cm away from the bile duct",
        {"max_lesion_cm": 3.0, "bile_duct_distance_mm": 10},
    ),
    (
        "a 3 cm tumour 5 mm from the bile duct",
        {"max_lesion_cm": 3.0, "bile_duct_distance_mm": 5},
    ),
    ("distance to bile duct: 6 mm", {"bile_duct_distance_mm": 6}),
    ("bile duct distance 4mm", {"bile_duct_distance_mm": 4}),
    ("close to the bile duct (3 mm)", {"bile_duct_distance_mm": 3}),
    ("biliary duct 4mm away", {"bile_duct_distance_mm": 4}),
    ("2mm from CBD", {"bile_duct_distance_mm": 2}),
    (
        "2 cm lesion, 5 mm from the bile duct, platelets 90",
        {"max_lesion_cm": 2.0, "bile_duct_distance_mm": 5, "platelets_per_ul": 90000},
    ),
    (
        "tumour 3cm x 2cm x 2cm in segment 7 with 1cm distance from bile duct",
        {"max_lesion_cm": 3.0, "bile_duct_distance_mm": 10},
    ),
    ("tumour of 3cm close to the bile duct", {"max_lesion_cm": 3.0}),
    ("the bile duct is 8 mm from the lesion", {"bile_duct_distance_mm": 8}),
    (
        "Tumor is 2.4 cm in segment VI, 7 mm from the right hepatic duct",
        {"max_lesion_cm": 2.4, "bile_duct_distance_mm": 7},
    ),
    ("CBD 8 mm, lesion 2 cm", {"max_lesion_cm": 2.0}),  # a duct's width
    ("lesion 2 cm from the portal vein", {}),  # a distance to a vessel
    ("a 2 cm lesion 1 cm from the portal vein", {"max_lesion_cm": 2.0}),
)
def test_bile_duct_distance_is_not_a_size(text, expected):
    assert extract_labs(text) == expected


def test_bile_duct_distance_is_a_number_in_mm():
    assert extract_labs("4.5 mm from the bile duct") == {"bile_duct_distance_mm": 4.5}
    assert extract_labs("0.5 cm from the bile duct") == {"bile_duct_distance_mm": 5}


# --------------------------------------------------------------------------
# Child-Pugh, BCLC, diagnosis
# --------------------------------------------------------------------------


@_cases(
    ("Child-Pugh B7", {"child_pugh": "B7"}),
    ("CP A", {"child_pugh": "A"}),
    ("child pugh class b score 8", {"child_pugh": "B8"}),
    ("A6", {"child_pugh": "A6"}),
    ("CTP-B", {"child_pugh": "B"}),
    ("child turcotte pugh A", {"child_pugh": "A"}),
    ("Child-Pugh score 6", {"child_pugh": "A6"}),
    ("Child Pugh Score: 9", {"child_pugh": "B9"}),
    ("Child Pugh score 7 (class B)", {"child_pugh": "B7"}),
    ("ctp score 10", {"child_pugh": "C10"}),
    ("Child's A cirrhosis", {"child_pugh": "A"}),
    ("CP-B8", {"child_pugh": "B8"}),
    ("Child-Pugh A, 2 lesions", {"child_pugh": "A", "lesion_count": 2}),
    ("Child-Pugh 7", {"child_pugh": "B7"}),
    ("child pugh 2 lesions", {"lesion_count": 2}),
    ("He is Child Pugh class A with score of 5", {"child_pugh": "A5"}),
    ("my child a few days ago had a scan", {}),
)
def test_child_pugh(text, expected):
    assert extract_labs(text) == expected


@_cases(
    ("BCLC-B", {"bclc_stage": "B"}),
    ("barcelona stage B", {"bclc_stage": "B"}),
    ("stage 0", {"bclc_stage": "0"}),
    ("BCLC stage 0 (very early)", {"bclc_stage": "0"}),
    ("bclc intermediate stage", {"bclc_stage": "B"}),
    ("stage B HCC", {"bclc_stage": "B", "diagnosis": "hcc"}),
    (
        "BCLC stage C, child pugh B8",
        {"bclc_stage": "C", "child_pugh": "B8"},
    ),
    ("Stage 3 colon cancer", {}),
    ("Dukes C colon cancer", {}),
    ("stage 2", {}),
)
def test_bclc(text, expected):
    assert extract_labs(text) == expected


@_cases(
    ("hepatocellular carcinoma", {"diagnosis": "hcc"}),
    ("primary liver cancer", {"diagnosis": "hcc"}),
    ("liver mets from breast cancer", {"diagnosis": "metastasis"}),
    ("secondaries in liver", {"diagnosis": "metastasis"}),
    ("mets", {"diagnosis": "metastasis"}),
    ("secondary liver cancer", {"diagnosis": "metastasis"}),
    ("neuroendocrine tumour with liver mets", {"diagnosis": "metastasis"}),
    ("gallbladder cancer", {"diagnosis": "other"}),
    ("colorectal liver metastases", {"diagnosis": "metastasis"}),
    ("spread from breast to liver", {"diagnosis": "metastasis"}),
    (
        "she has stage IV colon cancer with liver metastases",
        {"diagnosis": "metastasis"},
    ),
    ("Dad has cholangiocarcinoma", {"diagnosis": "other"}),
    ("Klatskin tumour", {"diagnosis": "other"}),
    ("not HCC, metastasis from colon", {"diagnosis": "metastasis"}),
    ("HCC ruled out, it is a metastasis", {"diagnosis": "metastasis"}),
    ("metastatic HCC", {"diagnosis": "hcc"}),
    ("I have liver cancer", {}),
)
def test_diagnosis(text, expected):
    assert extract_labs(text) == expected


def test_payloads_are_not_read():
    assert extract_labs('/inform{"bilirubin": 2}') == {}


def test_importing_the_extractor_builds_nothing():
    code = (
        "import sys, bot.nlp, bot.nlp.labs.extractor; "
        "assert 'spacy' not in sys.modules, 'spaCy imported at import time'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=".")


def test_numbers_do_not_grow_the_vocabulary():
    # A long-running server sees endless distinct numbers: spaCy must not keep
    # one vocabulary entry per number (pipeline.py masks them).
    from bot.nlp.labs import pipeline

    extract_labs("platelets 1 bilirubin 0.1 mg/dl")
    before = len(pipeline.pipeline()[0].vocab)
    for i in range(300):
        extract_labs(f"platelets {i * 1371 + 1000} bilirubin {i}.{i % 9}{i % 7} mg/dl")
    assert len(pipeline.pipeline()[0].vocab) - before < 20
    assert extract_labs("PLT 65 x10^9/L, TBIL 34.2 μmol/L") == {
        "platelets_per_ul": 65000,
        "bilirubin_mg_dl": 2.0,
    }
