"""The grant rule: min(eligible × rate, cap), rounded down by the track's unit, in integers."""

import pytest

from machi.grants.models import GrantTrack
from machi.grants.rules import Rounding, compute_grant, grant_for

SMALL = GrantTrack(name="身近な課題解決対応", rate_numerator=1, rate_denominator=3, cap_yen=200_000)
MODEL = GrantTrack(name="モデル事業", rate_numerator=2, rate_denominator=3, cap_yen=400_000)


@pytest.mark.parametrize(
    ("eligible", "grant"),
    [
        (0, 0),
        (2_999, 0),  # 999 yen: below the 千円
        (3_000, 1_000),
        (300_000, 100_000),
        (599_999, 199_000),  # 199,999 floored to the 千円
        (600_000, 200_000),
        (600_003, 200_000),
        (1_000_000, 200_000),  # capped
    ],
)
def test_the_small_track_gives_a_third_capped_at_200_000_yen(eligible, grant):
    assert compute_grant(SMALL, eligible) == grant


@pytest.mark.parametrize(
    ("eligible", "grant"),
    [
        (1_500, 1_000),
        (299_999, 199_000),  # 199,999.33 → 199,999 → 199,000
        (599_999, 399_000),  # 399,999.33 → 399,999 → 399,000
        (600_000, 400_000),
        (1_000_000, 400_000),  # 666,666 capped
    ],
)
def test_the_model_track_gives_two_thirds_capped_at_400_000_yen(eligible, grant):
    assert compute_grant(MODEL, eligible) == grant


def test_the_rounding_unit_is_the_tracks_own():
    terms = {"numerator": 1, "denominator": 3, "cap_yen": 200_000}
    assert grant_for(599_999, rounding=Rounding.FLOOR_1000, **terms) == 199_000
    assert grant_for(599_999, rounding=Rounding.FLOOR_100, **terms) == 199_900
    assert grant_for(599_999, rounding=Rounding.FLOOR_1, **terms) == 199_999


def test_a_cap_that_is_not_a_round_figure_is_rounded_too():
    assert (
        grant_for(10**6, numerator=1, denominator=2, cap_yen=123_456, rounding=Rounding.FLOOR_1000) == 123_000
    )


def test_large_amounts_stay_exact_integers():
    # 10**15 / 3 as a float would lose the last digits.
    assert (
        grant_for(10**15 - 1, numerator=1, denominator=3, cap_yen=10**15, rounding=Rounding.FLOOR_1)
        == 333_333_333_333_333
    )


@pytest.mark.parametrize("bad", [-1, 10**15 + 1])
def test_it_refuses_a_negative_or_absurd_amount(bad):
    with pytest.raises(ValueError, match="補助対象経費"):
        compute_grant(SMALL, bad)


@pytest.mark.parametrize("bad", [1.5, "1000", True, None])
def test_it_refuses_anything_but_integer_yen(bad):
    with pytest.raises(TypeError):
        compute_grant(SMALL, bad)
