"""What the lab-value reader returns: one :class:`LabFinding` per field.

The field names are the registry's (:mod:`bot.fields`); the reasons say why a
finding cannot be used without asking the patient.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Dict, Tuple

from bot import fields as F

# The fields the reader finds, by their registry names.
BILIRUBIN = F.field("bilirubin_mg_dl").name
ALBUMIN = F.field("albumin_g_dl").name
INR = F.field("inr").name
PLATELETS = F.field("platelets_per_ul").name
LESION_COUNT = F.field("lesion_count").name
MAX_LESION = F.field("max_lesion_cm").name
BILE_DUCT = F.field("bile_duct_distance_mm").name
CHILD_PUGH = F.field("child_pugh").name
BCLC = F.field("bclc_stage").name
DIAGNOSIS = F.field("diagnosis").name
#: Every field the reader finds (ascites and encephalopathy are not written on
#: lab reports: the screening asks for them in words).
FIELDS: Tuple[str, ...] = (
    BILIRUBIN,
    ALBUMIN,
    INR,
    PLATELETS,
    LESION_COUNT,
    MAX_LESION,
    BILE_DUCT,
    CHILD_PUGH,
    BCLC,
    DIAGNOSIS,
)

# Reasons a finding is ambiguous (the conversation asks back).
NO_UNIT = "no_unit"
BOUND = "bound"
RANGE = "range"
WRONG_UNIT = "unit_of_another_test"
SCORE_MISMATCH = "score_does_not_fit_class"
ALTERNATIVES = "alternatives"


@dataclass
class LabFinding:
    """One field read from a message.

    Attributes:
        field: the canonical field name, e.g. ``"bilirubin_mg_dl"``.
        value: the canonical value (mg/dL, g/dL, per µL, cm, mm, "B7", "hcc");
            ``None`` when it cannot be known without asking.
        raw_value: the number as typed (a float), or the word/letters typed
            for a count word, a class or a diagnosis.
        raw_unit: the unit exactly as typed (e.g. ``"μmol/L"``), if any.
        unit: the canonical name of that unit (e.g. ``"µmol/L"``), if any.
        start: start of the value's span in the original text.
        end: end of that span.
        text: the original text of the span.
        ambiguous: ``True`` when the bot must ask before using the value.
        reason: why it is ambiguous (``"no_unit"``, ``"bound"``, ...).
        options: for a bilirubin without a unit, the value in mg/dL under
            each reading, e.g. ``{"mg/dL": 34.0, "µmol/L": 1.99}``.

    """

    field: str
    value: Any
    raw_value: Any
    raw_unit: str | None
    unit: str | None
    start: int
    end: int
    text: str
    ambiguous: bool = False
    reason: str | None = None
    options: Dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> Dict[str, Any]:
        """Return the finding as a plain, JSON-serialisable dict."""
        return asdict(self)
