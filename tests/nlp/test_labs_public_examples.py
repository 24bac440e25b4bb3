"""The "Public examples" of spec/lab_extraction.md, exactly (part of the contract)."""

import pytest

from bot.nlp import extract_labs

PUBLIC_EXAMPLES = [
    (
        "Bilirubin 34 umol/L, plt 1.2 lakh, two lesions, biggest 28 mm",
        {
            "bilirubin_mg_dl": 1.99,
            "platelets_per_ul": 120000,
            "lesion_count": 2,
            "max_lesion_cm": 2.8,
        },
    ),
    ("bili 2.3 mg/dl", {"bilirubin_mg_dl": 2.3}),
    ("total bilirubin: 51 µmol/L", {"bilirubin_mg_dl": 2.98}),
    ("platelet count 1,20,000 /cumm", {"platelets_per_ul": 120000}),
    ("PLT 65 x10^9/L", {"platelets_per_ul": 65000}),
    ("platelets are 0.8 lakh", {"platelets_per_ul": 80000}),
    ("three tumours, largest 4.2cm", {"lesion_count": 3, "max_lesion_cm": 4.2}),
    ("a single 18 mm lesion", {"lesion_count": 1, "max_lesion_cm": 1.8}),
    ("albumin 31 g/L, INR 1.4", {"albumin_g_dl": 3.1, "inr": 1.4}),
    ("she is child pugh class B, score 7", {"child_pugh": "B7"}),
    ("it's 4 mm away from the bile duct", {"bile_duct_distance_mm": 4}),
    ("hepatoma, BCLC stage A", {"diagnosis": "hcc", "bclc_stage": "A"}),
    ("colon cancer that spread to the liver", {"diagnosis": "metastasis"}),
]


@pytest.mark.parametrize(
    "text, expected", PUBLIC_EXAMPLES, ids=[t for t, _ in PUBLIC_EXAMPLES]
)
def test_public_example(text, expected):
    assert extract_labs(text) == expected


def test_types_of_the_public_example():
    result = extract_labs(PUBLIC_EXAMPLES[0][0])
    assert isinstance(result["platelets_per_ul"], int)
    assert isinstance(result["lesion_count"], int)
    assert isinstance(result["bilirubin_mg_dl"], float)
    distance = extract_labs("it's 4 mm away from the bile duct")[
        "bile_duct_distance_mm"
    ]
    assert distance == 4 and isinstance(distance, int)
