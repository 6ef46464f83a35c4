"""What every app's JSON API (`<app>/api.py`) declares the same way: ids, filters, refused queries, times, wards and years.

The routers of ledger, accounts, facilities and grants build on these so that an id, a
year filter or a refused query reads and documents the same in every part of the API (and
in the OpenAPI schema CI fuzzes). Errors keep the one shape of `machi.api_errors`.

It sits beside `api.py` and `api_errors.py` at the project level, not in `core`, because it
builds on `api_errors`; it imports no app, so every layer may use it (`accounts` included).
Looking a ward up by its name or code is the ledger's question: `machi.ledger.api.ward_in_query`
answers it with `invalid_query` from here.
"""

import datetime as dt
from typing import Annotated, Any

from django.utils import timezone
from django.utils.translation import gettext
from ninja import Field, Path, Query, Schema
from ninja.errors import ValidationError
from ninja.schema import DjangoGetter
from pydantic import model_validator

from machi.api_errors import NO_CONTROL
from machi.core.errors import Refused
from machi.core.fiscal import wareki

PUBLIC = None  # `auth=PUBLIC`: anyone may read; every other operation requires authentication
MAX_ID = 2**63 - 1  # a bigint primary key's largest value: beyond it an id is refused as invalid (400)

# A search text: no control characters (PostgreSQL refuses NUL in a query).
SearchText = Annotated[str, Field(max_length=50, pattern=NO_CONTROL)]


class BodyIn(Schema):
    """A request body: a JSON object, nothing else.

    Ninja's Schema reads its fields from any value by attribute, so a body of `[null, null]` or `3`
    would pass as an object of defaults where every field has one; an API that documents an object
    refuses anything else (400)."""

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, value):
        given = value._obj if isinstance(value, DjangoGetter) else value  # ninja wraps what it reads
        if not isinstance(given, dict):
            raise ValueError(gettext("JSON オブジェクト（{…}）で送ってください"))
        return value


# ?year=2022: a fiscal year (Gregorian, starting in April).
YearFilter = Annotated[int | None, Query(description="年度（西暦）で絞り込む", ge=1900, le=2200)]


def row_id(description: str | None = None) -> Any:
    """A path parameter holding a row's id: 1 … 2**63-1, else 400 (`RowId = row_id("事業の id")`)."""
    if description is None:
        return Annotated[int, Path(ge=1, le=MAX_ID)]
    return Annotated[int, Path(ge=1, le=MAX_ID, description=description)]


def ward_filter(description: str) -> Any:
    """?ward=: a ward's name or its code, checked by `machi.ledger.api.ward_in_query`."""
    return Annotated[SearchText | None, Query(description=description)]


def invalid_query(name: str, message: str) -> ValidationError:
    """A query parameter the schema accepts but the data does not (an unknown ward): 400 with the field named."""
    return ValidationError([{"type": "value_error", "loc": ["query", name], "msg": message}])


def bad_request(message: str) -> Refused:
    """Raise it: a 400 shaped as a validation error (`errors` empty), for a well-formed request that can't be served."""
    return Refused(message, code="invalid")


def local_time(moment: dt.datetime | None) -> dt.datetime | None:
    """An aware datetime in Asia/Tokyo (+09:00) for a schema's datetime field; None stays None."""
    return timezone.localtime(moment) if moment is not None else None


def local_iso(moment: dt.datetime | None) -> str | None:
    """The same as ISO 8601 text, for a schema's `str` field."""
    return timezone.localtime(moment).isoformat() if moment is not None else None


def ward_fields(ward) -> dict:
    """The ward as every Out schema names it: `ward` (its name) and `ward_code` (全国地方公共団体コード)."""
    return {"ward": ward.name, "ward_code": ward.code}


def year_fields(fiscal_year: int) -> dict:
    """The fiscal year as every Out schema gives it: `fiscal_year` (2022) and `fiscal_year_label` (令和4年度)."""
    return {"fiscal_year": fiscal_year, "fiscal_year_label": wareki(fiscal_year)}
