"""What the API answers when it refuses: one JSON shape, messages in the request's language, documented statuses.

Every refusal is `{"detail": "<message>", "code": "<machine code>"}`: the message in the
request's language (Japanese unless it asks for English), the code stable for programs
("booking.slot_taken", "scope.ward", "invalid" …). The status comes from the error itself
(`machi.core.errors`: Refused 400, NotAllowed 403, NotFound 404, Conflict 409, Unprocessable 422),
mapped here once; a database that is away is 503 with Retry-After, any other error 500, both in
this shape (never the HTML error page); endpoints do not catch errors to translate them. A request that fails validation is a
400 (not ninja's 422) whose `detail` names the field, with the per-field `errors` beside it. Endpoints list these statuses in their `response=` so
the OpenAPI schema says what a client may receive (schemathesis checks it in CI).
"""

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.signals import got_request_exception
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from machi.core import unavailable as database
from machi.core.errors import NotFound, code_of, status_of
from machi.core.views import server_message

logger = logging.getLogger("django.request")

# Field names as people know them; the JSON name is always shown too, so a programmer can find it.
FIELD_LABELS = {
    "initial": _lazy("当初予算"),
    "revised": _lazy("2月補正後"),
    "settled": _lazy("決算額"),
    "reason": _lazy("変更の理由"),
    "year": _lazy("年度"),
    "ward": _lazy("区"),
    "theme": _lazy("テーマ"),
    "project_id": _lazy("事業の id"),
    "token_id": _lazy("トークンの id"),
    "name": _lazy("名前"),
}
YEN_FIELDS = {"initial", "revised", "settled"}
NOT_JSON = _lazy(
    "本文を JSON として読めません（Content-Type: application/json で JSON オブジェクトを送ってください）"
)
# Text that may hold no control character (PostgreSQL refuses NUL): `pattern=NO_CONTROL`.
NO_CONTROL = r"^[^\x00-\x1f\x7f]*$"
HTTP_CODES = {400: "invalid", 401: "unauthenticated", 403: "not_allowed", 404: "not_found", 409: "conflict"}
UNAUTHENTICATED = _lazy("認証が必要です（Authorization: Bearer <トークン>、またはログインしたセッション）")


class ErrorOut(Schema):
    detail: str = Field(description="理由（日本語。Accept-Language: en なら英語）")
    code: str = Field(
        description="誤りの種類（プログラム向けの固定の符号。例: booking.slot_taken, scope.ward, invalid）"
    )


class FieldErrorOut(Schema):
    loc: list[str | int] = Field(description="場所（body / query / path と項目名）")
    type: str = Field(description="誤りの種類（pydantic の type）")
    msg: str = Field(description="その項目の誤り（日本語）")


class ValidationErrorOut(ErrorOut):
    errors: list[FieldErrorOut] = Field(description="項目ごとの誤り")


# The statuses every operation that requires authentication may answer with.
AUTH_ERRORS = {401: ErrorOut, 403: ErrorOut}


def field_message(error: dict) -> str:
    """One pydantic/ninja error as a sentence that names the field, in the request's language."""
    loc = [part for part in error.get("loc", ()) if isinstance(part, str | int)]
    # loc is (source, [body parameter,] field…): the field is the last name after the source
    # (and, in a body, after the parameter's own name); a loc that stops there is the whole body.
    names = loc[2:] if loc[:1] == ["body"] else loc[1:]
    field = str(names[-1]) if names else None
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    raw = str(error.get("msg", ""))
    if field is None:
        if kind in ("model_attributes_type", "dict_type", "model_type"):
            return _("本文は JSON オブジェクト（{…}）で送ってください")
        if kind == "missing":
            return _("本文がありません（JSON オブジェクトを送ってください）")
        return raw.removeprefix("Value error, ")
    if field in FIELD_LABELS:
        label = _("「%(field)s」（%(label)s）") % {"field": field, "label": FIELD_LABELS[field]}
    else:
        label = _("「%(field)s」") % {"field": field}
    if field in YEN_FIELDS and kind.startswith(("int_", "greater_than", "less_than")):
        if kind == "less_than_equal":
            return _(
                "%(label)sは0以上の整数（円）か null で指定してください（小数・文字列・真偽値は不可、%(limit)s 円まで）"
            ) % {"label": label, "limit": f"{ctx['le']:,}"}
        return _("%(label)sは0以上の整数（円）か null で指定してください（小数・文字列・真偽値は不可）") % {
            "label": label
        }
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == NO_CONTROL:
        return _("%(label)sに制御文字は使えません") % {"label": label}
    messages = {
        "missing": _lazy("%(label)sは必須です"),
        "extra_forbidden": _lazy("%(label)sという項目は受け付けていません"),
        "int_type": _lazy("%(label)sは整数で指定してください"),
        "int_parsing": _lazy("%(label)sは整数で指定してください"),
        "int_from_float": _lazy("%(label)sは整数で指定してください"),
        "int_parsing_size": _lazy("%(label)sの数が大きすぎます"),
        "greater_than_equal": _lazy("%(label)sは%(ge)s以上で指定してください"),
        "greater_than": _lazy("%(label)sは%(gt)sより大きい値で指定してください"),
        "less_than_equal": _lazy("%(label)sは%(le)s以下で指定してください"),
        "less_than": _lazy("%(label)sは%(lt)s未満で指定してください"),
        "string_type": _lazy("%(label)sは文字列で指定してください"),
        "string_too_short": _lazy("%(label)sを入力してください"),
        "string_too_long": _lazy("%(label)sは%(max_length)s文字以内で指定してください"),
        "literal_error": _lazy("%(label)sの値が正しくありません（%(expected)s）"),
        "enum": _lazy("%(label)sの値が正しくありません（%(expected)s）"),
        "date_type": _lazy("%(label)sは日付（YYYY-MM-DD）で指定してください"),
        "date_parsing": _lazy("%(label)sは日付（YYYY-MM-DD）で指定してください"),
        "date_from_datetime_parsing": _lazy("%(label)sは日付（YYYY-MM-DD）で指定してください"),
        "date_from_datetime_inexact": _lazy("%(label)sは日付（YYYY-MM-DD）で指定してください"),
        "string_pattern_mismatch": _lazy("%(label)sの形式が正しくありません"),
    }
    if kind in messages:
        values = {"label": label, "expected": ""} | {key: ctx.get(key) for key in ("ge", "gt", "le", "lt")}
        values |= {key: value for key, value in ctx.items() if key in ("max_length", "expected")}
        return str(messages[kind]) % values
    if kind in ("value_error", "assertion_error"):
        message = raw.removeprefix("Value error, ").removeprefix("Assertion failed, ")
        return message if field in message or "「" in message else f"{label}: {message}"
    return f"{label}: {raw}"


def validation_error(request: HttpRequest, exc: ValidationError, api: NinjaAPI) -> HttpResponse:
    errors = [
        {
            "loc": [part for part in error.get("loc", ()) if isinstance(part, str | int)],
            "type": str(error.get("type", "")),
            "msg": field_message(error),
        }
        for error in exc.errors
    ]
    messages = list(dict.fromkeys(error["msg"] for error in errors)) or [_("入力が正しくありません")]
    detail = (
        messages[0]
        if len(messages) == 1
        else _("入力に誤りが %(count)s 件あります: %(messages)s")
        % {"count": len(messages), "messages": " / ".join(messages)}
    )
    return api.create_response(request, {"detail": detail, "code": "invalid", "errors": errors}, status=400)


def authentication_error(request: HttpRequest, exc: AuthenticationError, api: NinjaAPI) -> HttpResponse:
    message = str(exc)
    response = api.create_response(
        request,
        {"detail": str(UNAUTHENTICATED) if message == "Unauthorized" else message, "code": "unauthenticated"},
        status=401,
    )
    response["WWW-Authenticate"] = 'Bearer realm="machi"'
    return response


def http_error(request: HttpRequest, exc: HttpError, api: NinjaAPI) -> HttpResponse:
    message = str(exc)
    if exc.status_code == 400 and message.startswith("Cannot parse request body"):
        error = {"loc": ["body"], "type": "json_invalid", "msg": str(NOT_JSON)}
        body = {"detail": str(NOT_JSON), "code": "invalid", "errors": [error]}
        return api.create_response(request, body, status=400)
    body = {"detail": message, "code": HTTP_CODES.get(exc.status_code, "error")}
    if exc.status_code == 400:
        body["errors"] = []
    return api.create_response(request, body, status=exc.status_code)


def permission_denied(request: HttpRequest, exc: PermissionDenied, api: NinjaAPI) -> HttpResponse:
    """`NotAllowed` (and any PermissionDenied): 403 with the reason."""
    body = {"detail": str(exc) or _("この操作を行う権限がありません"), "code": code_of(exc, "not_allowed")}
    return api.create_response(request, body, status=403)


def refused(request: HttpRequest, exc: DjangoValidationError, api: NinjaAPI) -> HttpResponse:
    """A rule an action enforces (`Refused` 400, `Conflict` 409, or a model's ValidationError: 400)."""
    messages: list[Any] = exc.messages
    status = status_of(exc, 400)
    body = {"detail": " / ".join(messages), "code": code_of(exc, "invalid")}
    if status == 400:
        body["errors"] = []
    return api.create_response(request, body, status=status)


def not_found(request: HttpRequest, exc: Http404, api: NinjaAPI) -> HttpResponse:
    """`NotFound` with what was not found, or any Http404."""
    detail = str(exc) if isinstance(exc, NotFound) and str(exc) else _("見つかりません")
    return api.create_response(request, {"detail": detail, "code": code_of(exc, "not_found")}, status=404)


def unavailable(request: HttpRequest, exc: Exception, api: NinjaAPI) -> HttpResponse:
    """The database is down or locked: 503 with Retry-After; nothing was written."""
    database.log(request, exc)
    response = api.create_response(request, {"detail": database.message(), "code": "unavailable"}, status=503)
    response["Retry-After"] = str(database.RETRY_AFTER_SECONDS)
    return response


def server_error(request: HttpRequest, exc: Exception, api: NinjaAPI) -> HttpResponse:
    """Anything else an endpoint raised: 500 in the API's shape (never the HTML error page), logged with its traceback."""
    logger.error("API error: %s %s", request.method, request.path, exc_info=exc)
    got_request_exception.send(sender=None, request=request)
    body = {"detail": server_message(), "code": "server_error"}
    return api.create_response(request, body, status=500)


def install(api: NinjaAPI) -> None:
    """Register the handlers on the API (ninja's defaults answer in English, 422 for validation)."""
    handlers = {
        ValidationError: validation_error,
        AuthenticationError: authentication_error,
        HttpError: http_error,
        PermissionDenied: permission_denied,
        DjangoValidationError: refused,
        Http404: not_found,
        **dict.fromkeys(database.UNAVAILABLE, unavailable),
        Exception: server_error,
    }
    for exc_class, handler in handlers.items():
        api.add_exception_handler(exc_class, lambda request, exc, handler=handler: handler(request, exc, api))
