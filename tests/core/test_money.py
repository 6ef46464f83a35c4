from decimal import Decimal

import pytest

from machi.core.money import (
    YEN,
    AmountError,
    csv_thousands,
    execution_rate,
    format_rate,
    format_thousands,
    parse_amount,
    unused_amount,
)


@pytest.mark.parametrize(
    ("written", "yen"),
    [
        ("1,000", 1_000_000),
        ("１，０００", 1_000_000),
        ("19000", 19_000_000),
        (" 2,346 ", 2_346_000),
        ("△500", -500_000),
        ("▲500", -500_000),
        ("-5", -5_000),
        ("0", 0),
        ("1.5", 1_500),
        ("1,000千円", 1_000_000),
        (297, 297_000),
        (297.0, 297_000),
    ],
)
def test_it_reads_amounts_as_people_write_them(written, yen):
    assert parse_amount(written) == yen


@pytest.mark.parametrize("written", [None, "", "―", "－", "-", "—", " ― "])
def test_it_reads_dashes_as_none_not_zero(written):
    assert parse_amount(written) is None


def test_it_reads_yen_units():
    assert parse_amount("1,234,567", unit=YEN) == 1_234_567
    assert parse_amount("1,234円", unit=YEN) == 1_234


@pytest.mark.parametrize("written", ["abc", "1,0a0", "=SUM(A1:A3)", "1.2345", "nan", "inf", True, "1" * 30])
def test_it_refuses_what_is_not_an_amount(written):
    with pytest.raises(AmountError):
        parse_amount(written)


def test_it_refuses_a_unit_that_disagrees_with_the_sheet():
    with pytest.raises(AmountError, match="単位"):
        parse_amount("500円")


def test_it_shows_thousands_of_yen_with_japanese_grouping():
    assert format_thousands(19_000_000) == "19,000"
    assert format_thousands(1_234_500) == "1,234.5"
    assert format_thousands(-500_000) == "△500"
    assert format_thousands(0) == "0"
    assert format_thousands(None) == "―"


def test_csv_figures_are_plain_and_exact():
    assert csv_thousands(1_000_000) == "1000"
    assert csv_thousands(1_234_500) == "1234.5"
    assert csv_thousands(None) == ""
    assert parse_amount(csv_thousands(1_234_567)) == 1_234_567


def test_execution_rate_is_settled_over_revised():
    assert execution_rate(16_701_000, 17_620_000) == Decimal(16_701_000) / Decimal(17_620_000)
    assert format_rate(execution_rate(900, 1000)) == "90.0%"
    assert execution_rate(None, 1000) is None
    assert execution_rate(500, 0) is None
    assert execution_rate(500, None) is None


def test_unused_amount_is_revised_minus_settled():
    assert unused_amount(16_701_000, 17_620_000) == 919_000
    assert unused_amount(None, 1_000) == 1_000
    assert unused_amount(4_195_000, 1_469_000) == -2_726_000
    assert unused_amount(None, None) is None


@pytest.mark.parametrize("written", ["99999999999999999999", 10**17, float("inf"), float("nan")])
def test_it_refuses_amounts_beyond_any_budget(written):
    with pytest.raises(AmountError):
        parse_amount(written)
