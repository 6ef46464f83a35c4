import datetime as dt

import pytest

from machi.core.fiscal import TOKYO, fiscal_year_bounds, fiscal_year_of, parse_fiscal_year, wareki


@pytest.mark.parametrize(
    ("written", "year"),
    [
        ("令和4年度", 2022),
        ("令和４年度", 2022),
        ("令和元年度", 2019),
        ("平成31年度", 2019),
        ("平成30年度", 2018),
        ("R4", 2022),
        ("2022", 2022),
        ("２０２２年度", 2022),
        ("FY2022", 2022),
        ("令和4年度 中央区まちづくり推進経費", 2022),
        (2022, 2022),
    ],
)
def test_it_reads_fiscal_years_in_both_calendars(written, year):
    assert parse_fiscal_year(written) == year


@pytest.mark.parametrize("written", ["", "中央区", "平成32年度", "令和0年度"])
def test_it_refuses_text_that_names_no_year(written):
    with pytest.raises(ValueError, match="年度"):
        parse_fiscal_year(written)


def test_it_names_years_in_the_era_with_gannen():
    assert wareki(2022) == "令和4年度"
    assert wareki(2019) == "令和元年度"
    assert wareki(2018) == "平成30年度"
    assert wareki(1989) == "平成元年度"


def test_the_fiscal_year_runs_april_to_march_in_tokyo():
    assert fiscal_year_of(dt.date(2023, 3, 31)) == 2022
    assert fiscal_year_of(dt.date(2023, 4, 1)) == 2023
    # 2023-03-31 16:00 UTC is already April 1st in Tokyo.
    assert fiscal_year_of(dt.datetime(2023, 3, 31, 16, 0, tzinfo=dt.UTC)) == 2023
    assert fiscal_year_of(dt.datetime(2023, 4, 1, 0, 0, tzinfo=TOKYO)) == 2023
    assert fiscal_year_bounds(2022) == (dt.date(2022, 4, 1), dt.date(2023, 3, 31))


def test_it_refuses_naive_datetimes():
    with pytest.raises(ValueError, match="naive"):
        fiscal_year_of(dt.datetime(2023, 4, 1))  # noqa: DTZ001
