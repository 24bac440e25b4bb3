"""Conversation safeguards against typing slips. NOT clinical criteria.

A patient copying a report on a phone can drop a decimal point, type mg/dL for
µmol/L, or write centimetres for millimetres. Before a value is used, it is
checked against two kinds of range:

* **impossible** – a value no report can show (a negative count, zero
  tumours, a size of zero, a fraction of a tumour). The bot says it cannot
  use it and asks again, the way ``bot.eligibility.assess`` would refuse it
  with a ``ValueError``.
* **implausible** – a value a report can show but that is far more often a
  slip (outside the field's ``plausible`` range in :mod:`bot.fields`, e.g.
  bilirubin above 30 mg/dL, more than 15 tumours, a tumour larger than
  20 cm). The bot reads it back and asks the patient to confirm; a confirmed
  value is used as given.

These limits only decide when to double-check what was typed. They are not in
the source document and never appear in an answer or change an outcome; the
selection criteria are in ``bot.eligibility``.
"""

from __future__ import annotations

import math
from enum import Enum
from typing import Any

from bot import fields as F


class Plausibility(str, Enum):
    """How a value looks as something typed from a report."""

    OK = "ok"
    IMPLAUSIBLE = "implausible"
    IMPOSSIBLE = "impossible"


def check(field: str, value: Any) -> Plausibility:
    """Classify one canonical value as typed from a report.

    Args:
        field: a field of :mod:`bot.fields`.
        value: its value in canonical units; words (diagnosis, Child-Pugh)
            are always :attr:`Plausibility.OK` here, their vocabulary is the
            reader's business.

    Returns:
        :attr:`Plausibility.IMPOSSIBLE`, :attr:`Plausibility.IMPLAUSIBLE` or
        :attr:`Plausibility.OK`.

    """
    spec = F.field(field)
    if not spec.numeric:
        return Plausibility.OK
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return Plausibility.IMPOSSIBLE
    number = float(value)
    if not math.isfinite(number) or number < 0:
        return Plausibility.IMPOSSIBLE
    if number == 0 and not spec.zero_on_report:
        return Plausibility.IMPOSSIBLE
    if spec.kind == F.COUNT and not number.is_integer():
        return Plausibility.IMPOSSIBLE  # a fraction of a tumour
    low, high = spec.plausible
    if (low is not None and number < low) or (high is not None and number > high):
        return Plausibility.IMPLAUSIBLE
    return Plausibility.OK
