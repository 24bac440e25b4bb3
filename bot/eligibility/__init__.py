"""Eligibility screening rules of ``spec/eligibility.md``, as pure Python.

The bot never decides who is treated: :func:`assess` compares what a patient
told it with the published selection criteria and suggests a next step. The
thresholds are data with citations (:mod:`bot.eligibility.criteria`); the
evaluation is pure (:mod:`bot.eligibility.engine`). No Rasa, no I/O.

Example::

    from bot.eligibility import assess, child_pugh

    result = assess({"diagnosis": "hcc", "lesion_count": 2, "max_lesion_cm": 2.5,
                     "child_pugh": "A6", "bilirubin_mg_dl": 1.1,
                     "platelets_per_ul": 120000})
    result.outcome  # "likely_suitable"
    assess({..., "child_pugh": "B8", "child_pugh_source": "computed"}).outcome
    # "needs_review": a class worked out in the conversation is never
    # "unlikely_suitable" (a B8 from a report is)
    child_pugh(bilirubin_mg_dl=1.8, albumin_g_dl=3.1, inr=1.5,
               ascites="mild", encephalopathy="none")  # "B7"
"""

from bot.eligibility.criteria import (
    CHILD_PUGH_COMPUTED,
    CHILD_PUGH_REFERENCE,
    CHILD_PUGH_REPORT,
    CHILD_PUGH_SOURCES,
    COMPUTED_FROM_ANSWERS,
    DOCTORS_MAY_GRADE,
    FLAGS,
    INCOMPLETE,
    LIKELY_SUITABLE,
    NEEDS_REVIEW,
    OUTCOMES,
    REQUIRED_FIELDS,
    RULES,
    RULES_VERSION,
    UNLIKELY_SUITABLE,
)
from bot.eligibility.engine import (
    Check,
    InvalidValueError,
    Result,
    assess,
    child_pugh,
    child_pugh_points,
    parse_child_pugh,
)

__all__ = [
    "CHILD_PUGH_COMPUTED",
    "CHILD_PUGH_REFERENCE",
    "CHILD_PUGH_REPORT",
    "CHILD_PUGH_SOURCES",
    "COMPUTED_FROM_ANSWERS",
    "DOCTORS_MAY_GRADE",
    "FLAGS",
    "INCOMPLETE",
    "LIKELY_SUITABLE",
    "NEEDS_REVIEW",
    "OUTCOMES",
    "REQUIRED_FIELDS",
    "RULES",
    "RULES_VERSION",
    "UNLIKELY_SUITABLE",
    "Check",
    "InvalidValueError",
    "Result",
    "assess",
    "child_pugh",
    "child_pugh_points",
    "parse_child_pugh",
]
