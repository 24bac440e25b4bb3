import math

import pytest

from bot.screening.plausibility import Plausibility, check


@pytest.mark.parametrize(
    "field, value, expected",
    [
        # The examples of the issue: read back and confirm.
        ("bilirubin_mg_dl", 300.0, Plausibility.IMPLAUSIBLE),
        ("lesion_count", 40, Plausibility.IMPLAUSIBLE),
        ("max_lesion_cm", 30.0, Plausibility.IMPLAUSIBLE),
        ("platelets_per_ul", 4_000, Plausibility.IMPLAUSIBLE),
        ("platelets_per_ul", 2_000_000, Plausibility.IMPLAUSIBLE),
        # Limits themselves are still plausible.
        ("bilirubin_mg_dl", 30.0, Plausibility.OK),
        ("lesion_count", 15, Plausibility.OK),
        ("max_lesion_cm", 20.0, Plausibility.OK),
        ("platelets_per_ul", 5_000, Plausibility.OK),
        # Ordinary values.
        ("bilirubin_mg_dl", 1.99, Plausibility.OK),
        ("platelets_per_ul", 80_000, Plausibility.OK),
        ("inr", 1.4, Plausibility.OK),
        ("albumin_g_dl", 3.1, Plausibility.OK),
        # No report shows these: asked again.
        ("lesion_count", 0, Plausibility.IMPOSSIBLE),
        ("lesion_count", 2.5, Plausibility.IMPOSSIBLE),
        ("bilirubin_mg_dl", -1.0, Plausibility.IMPOSSIBLE),
        ("max_lesion_cm", 0.0, Plausibility.IMPOSSIBLE),
        ("platelets_per_ul", math.nan, Plausibility.IMPOSSIBLE),
        ("inr", True, Plausibility.IMPOSSIBLE),
        ("inr", "1.4", Plausibility.IMPOSSIBLE),
        # A tumour may touch a bile duct.
        ("bile_duct_distance_mm", 0, Plausibility.OK),
        ("bile_duct_distance_mm", -2, Plausibility.IMPOSSIBLE),
        # Words are checked elsewhere.
        ("diagnosis", "hcc", Plausibility.OK),
    ],
)
def test_plausibility(field, value, expected):
    assert check(field, value) is expected
