"""The grant rule, in one place: min(eligible expenses × rate, cap), rounded down by the track's unit.

Integer arithmetic only (a rate is a numerator and a denominator, never a float), so
599,999 × 1/3 is 199,999 and not 199,999.66…, and the result is the same on every machine.
"""

from machi.core.money import MAX_YEN


class Rounding:
    """How a track rounds the grant: down to the 千円 (the default), the 百円 or the yen."""

    FLOOR_1000 = "floor_1000"
    FLOOR_100 = "floor_100"
    FLOOR_1 = "floor_1"
    UNITS = {FLOOR_1000: 1000, FLOOR_100: 100, FLOOR_1: 1}


def compute_grant(track, eligible_expenses_yen: int) -> int:
    """The grant a track gives for this much eligible expense (yen, an int ≥ 0)."""
    return grant_for(
        eligible_expenses_yen,
        numerator=track.rate_numerator,
        denominator=track.rate_denominator,
        cap_yen=track.cap_yen,
        rounding=track.rounding,
    )


def grant_for(
    eligible_expenses_yen: int, *, numerator: int, denominator: int, cap_yen: int, rounding: str
) -> int:
    if isinstance(eligible_expenses_yen, bool) or not isinstance(eligible_expenses_yen, int):
        raise TypeError("eligible expenses are integer yen")
    if not 0 <= eligible_expenses_yen <= MAX_YEN:
        raise ValueError(f"補助対象経費は0円以上{MAX_YEN:,}円以下です（{eligible_expenses_yen:,}円）")
    if not 0 < numerator <= denominator:
        raise ValueError(f"補助率が正しくありません（{numerator}/{denominator}）")
    unit = Rounding.UNITS[rounding]
    grant = min(eligible_expenses_yen * numerator // denominator, cap_yen)
    return grant // unit * unit
