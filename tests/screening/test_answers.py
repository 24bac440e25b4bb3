import pytest

from bot.screening import answers


@pytest.mark.parametrize(
    "text, expected",
    [
        ("yes", True),
        ("Yes, that's right", True),
        ("ok sure", True),
        ("no", False),
        ("No, that's wrong", False),
        ("I'm not sure", None),
        ("I don't know", None),
        ("yes and no", None),
        ("bilirubin 2", None),
    ],
)
def test_yes_no(text, expected):
    assert answers.parse_yes_no(text) is expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("none", "none"),
        ("no fluid", "none"),
        ("mild", "mild"),
        ("a little", "mild"),
        ("moderate or severe", "moderate"),
        ("moderate", "moderate"),
        ("severe", "severe"),
        ("a lot of fluid", "severe"),
        ("what?", None),
    ],
)
def test_ascites_answers(text, expected):
    assert answers.parse_ascites(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("none", "none"),
        ("no confusion", "none"),
        ("mild", "mild"),
        ("grade 2", "mild"),
        ("severe", "severe"),
        ("grade 3", "severe"),
        ("maybe", None),
    ],
)
def test_confusion_answers(text, expected):
    assert answers.parse_encephalopathy(text) == expected


@pytest.mark.parametrize(
    "text, choices, expected",
    [
        ("mg/dL", ("mg/dL", "µmol/L"), "mg/dL"),
        ("mg", ("mg/dL", "µmol/L"), "mg/dL"),
        ("µmol/L", ("mg/dL", "µmol/L"), "µmol/L"),
        ("umol/l", ("mg/dL", "µmol/L"), "µmol/L"),
        ("it says micromol per litre", ("mg/dL", "µmol/L"), "µmol/L"),
        ("mm", ("cm", "mm"), "mm"),
        ("in cm", ("cm", "mm"), "cm"),
        ("g/L", ("g/dL", "g/L"), "g/L"),
        # A unit that was not offered is not an answer to the question.
        ("mm", ("mg/dL", "µmol/L"), None),
        ("no idea", ("mg/dL", "µmol/L"), None),
    ],
)
def test_unit_answers(text, choices, expected):
    assert answers.parse_unit(text, choices) == expected


@pytest.mark.parametrize(
    "text, expected",
    [("2", 2.0), ("about 3.5", 3.5), ("two", 2.0), ("2 or 3", None), ("none", None)],
)
def test_bare_numbers(text, expected):
    assert answers.parse_bare_number(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("it started in the liver", "hcc"),
        ("HCC", "hcc"),
        ("it came from the bowel", "metastasis"),
        ("started in the breast", "metastasis"),
        ("another diagnosis", "other"),
        ("I have no idea", None),
    ],
)
def test_diagnosis_answers(text, expected):
    assert answers.parse_diagnosis(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("skip", True),
        ("continue without it", True),
        ("I don't have it", True),
        ("2.3 mg/dl", False),
    ],
)
def test_skip_answers(text, expected):
    assert answers.says("skip", text) is expected
