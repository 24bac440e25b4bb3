"""Conversation safeguards against typing slips. NOT clinical criteria.

A patient copying a report on a phone can drop a decimal point, type mg/dL for
µmol/L, or write centimetres for millimetres. Before a value is used, it is
checked against two kinds of range:

* **impossible** – a value no report can show (a negative count, zero
  tumours, a size of zero). The bot says it cannot use it and asks again, the
  way ``bot.eligibility.assess`` would refuse it with a ``ValueError``.
* **implausible** – a value a report can show but that is far more often a
  slip (bilirubin above 30 mg/dL, more than 15 tumours, a tumour larger than
  20 cm, platelets below 5,000 or above 1,500,000 per µL). The bot reads it
  back and asks the patient to confirm; a confirmed value is used as given.

These limits only decide when to double-check what was typed. They are not in
the source document and never appear in an answer or change an outcome; the
selection criteria are in ``bot.eligibility``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from typing import Any, Mapping


class Plausibility(str, Enum):
    """How a value looks as something typed from a report."""

    OK = "ok"
    IMPLAUSIBLE = "implausible"
    IMPOSSIBLE = "impossible"


@dataclass(frozen=True)
class Limits:
    """The plausible band of one field; ``None`` leaves that side open.

    Attributes:
        low: values below are implausible.
        high: values above are implausible.
        minimum_exclusive: values at or below are impossible.
        integer: whether a fractional value is impossible (counts).

    """

    low: float | None = None
    high: float | None = None
    minimum_exclusive: float = 0.0
    integer: bool = False


#: Conversation safeguards per field (canonical units). Chosen wide: a value
#: outside is much more likely a slip than a real result, and confirming costs
#: the patient one tap.
LIMITS: Mapping[str, Limits] = {
    "lesion_count": Limits(high=15, integer=True),
    "max_lesion_cm": Limits(high=20),
    "bilirubin_mg_dl": Limits(high=30),
    "platelets_per_ul": Limits(low=5_000, high=1_500_000),
    "albumin_g_dl": Limits(low=1, high=7),
    "inr": Limits(low=0.5, high=10),
    # A tumour can touch a bile duct: zero millimetres is possible.
    "bile_duct_distance_mm": Limits(high=200, minimum_exclusive=-1e-9),
}


def check(field: str, value: Any) -> Plausibility:
    """Classify one canonical value as typed from a report.

    Args:
        field: a field name of ``spec/eligibility.md``.
        value: its value in canonical units; words (diagnosis, Child-Pugh)
            are always :attr:`Plausibility.OK` here, their vocabulary is the
            extractor's business.

    Returns:
        :attr:`Plausibility.IMPOSSIBLE`, :attr:`Plausibility.IMPLAUSIBLE` or
        :attr:`Plausibility.OK`.

    """
    limits = LIMITS.get(field)
    if limits is None:
        return Plausibility.OK
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return Plausibility.IMPOSSIBLE
    number = float(value)
    if not math.isfinite(number) or number <= limits.minimum_exclusive:
        return Plausibility.IMPOSSIBLE
    if limits.integer and not number.is_integer():
        return Plausibility.IMPOSSIBLE
    if (limits.low is not None and number < limits.low) or (
        limits.high is not None and number > limits.high
    ):
        return Plausibility.IMPLAUSIBLE
    return Plausibility.OK
