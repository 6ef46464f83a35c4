"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) at /open311/v2/, in JSON and XML.

- jurisdiction_id: a ward's 地方公共団体コード (431010 for 中央区); without it, every ward.
- service_code: the ward's code and the category's code, "431010-road" (a category's code is unique
  in its ward only; Open311 clients expect one code to name one service).
- service_request_id: the ward's code, the fiscal year and the number, "431010-2022-123": stable,
  unique across wards and years, and the same number the ward's letters give (令和4年度 中央区 第123号).
- status: open = 受付 / 確認中 / 対応中, closed = every other state; status_notes is the last public note.
- A request shows no description, address or person (the public view of `queries.public_view`); its
  location is rounded to about 50 m.
- Service definitions: the category's own questions (`Category.attributes`) as the standard's
  attributes (variable, code, datatype, required, datatype_description, order, description, values
  of key and name); a service with questions says metadata=true in the list.
- POST requests: form-encoded, api_key = a Machi API token (the request is made as that person);
  email, first_name, last_name and phone are ignored (the person is the token's). Answers come as
  attribute[code]=value (a multivaluelist as attribute[code][]=… repeated), checked by the requests'
  own rule (`actions.clean_attributes`): each problem is one error of the list.
- Errors: the standard's list [{"code": 400, "description": "…"}] with that HTTP status.
"""

import datetime
import re
import xml.etree.ElementTree as ET
from functools import wraps

from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from machi.accounts.actions import user_for_token
from machi.core.errors import NotAllowed, Refused, status_of
from machi.ledger.models import Ward
from machi.requests import actions, queries
from machi.requests.models import Category, Request

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-06T00:00:00+09:00"
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
DEFAULT_DAYS = 90  # the standard: without start_date and end_date, the last 90 days


class Open311Error(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = description


def _xml(root: str, item: str, rows: list[dict]) -> bytes:
    top = ET.Element(root)
    for row in rows:
        element = ET.SubElement(top, item)
        _fill(element, row)
    return b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="utf-8")


def _fill(element, row: dict) -> None:
    for key, value in row.items():
        child = ET.SubElement(element, key)
        if isinstance(value, dict):
            _fill(child, value)
        elif isinstance(value, list):
            for entry in value:
                sub = ET.SubElement(child, key[:-1] if key.endswith("s") else key)
                if isinstance(entry, dict):
                    _fill(sub, entry)
                else:
                    sub.text = str(entry)
        elif value is not None:
            sub_text = str(value).lower() if isinstance(value, bool) else str(value)
            child.text = sub_text


def _respond(fmt: str, rows, root: str, item: str, status: int = 200):
    if fmt == "xml":
        return HttpResponse(_xml(root, item, rows), content_type="text/xml; charset=utf-8", status=status)
    return JsonResponse(rows, safe=False, status=status, json_dumps_params={"ensure_ascii": False})


def _errors(fmt: str, status: int, *descriptions: str):
    rows = [{"code": status, "description": description} for description in descriptions]
    return _respond(fmt, rows, "errors", "error", status)


def open311(view):
    """Answer an Open311 error (or a Machi refusal) in the standard's list, in the request's format."""

    @wraps(view)
    def wrapped(request, *args, fmt: str, **kwargs):
        if fmt not in ("json", "xml"):
            return _errors("json", 404, _("形式は .json か .xml です"))
        try:
            return view(request, *args, fmt=fmt, **kwargs)
        except Open311Error as error:
            return _errors(fmt, error.status, error.description)
        except actions.AttributesRefused as error:
            return _errors(fmt, 400, *error.problems)
        except Refused as error:
            return _errors(fmt, status_of(error), " ".join(error.messages))
        except NotAllowed as error:
            return _errors(fmt, 403, str(error))

    return wrapped


def _ward(request) -> Ward | None:
    code = request.GET.get("jurisdiction_id") or request.POST.get("jurisdiction_id")
    if not code:
        return None
    ward = Ward.objects.filter(code=code.strip()).first()
    if ward is None:
        raise Open311Error(404, _("jurisdiction_id %(code)s の区はありません") % {"code": code})
    return ward


def _service_code(category: Category) -> str:
    return f"{category.ward.code}-{category.code}"


def _category(code: str, ward: Ward | None) -> Category:
    category = queries.category_by_service_code(code, public_only=True)
    if category is None or (ward is not None and category.ward_id != ward.pk):
        raise Open311Error(404, _("service_code %(code)s のサービスはありません") % {"code": code})
    return category


@require_GET
@open311
def discovery(request, fmt: str):
    base = request.build_absolute_uri("/open311/v2/")
    body = {
        "changeset": CHANGESET,
        "contact": _("各区役所 まちづくり推進課"),
        "key_service": _("Machi の API トークン（ログイン後の「API トークン」で発行）"),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
    if fmt == "xml":
        root = ET.Element("discovery")
        _fill(root, body)
        return HttpResponse(
            b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(root, encoding="utf-8"),
            content_type="text/xml; charset=utf-8",
        )
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


@require_GET
@open311
def services(request, fmt: str):
    ward = _ward(request)
    categories = (
        Category.objects.filter(public=True, active=True).select_related("ward").order_by("ward", "code")
    )
    if ward is not None:
        categories = categories.filter(ward=ward)
    rows = [
        {
            "service_code": _service_code(category),
            "service_name": category.name,
            "description": category.description,
            "metadata": bool(category.attributes),
            "type": "realtime",
            "keywords": "",
            "group": category.group,
        }
        for category in categories
    ]
    return _respond(fmt, rows, "services", "service")


@require_GET
@open311
def service_definition(request, code: str, fmt: str):
    category = _category(code, _ward(request))
    body = {"service_code": _service_code(category), "attributes": attribute_definitions(category)}
    if fmt == "xml":
        root = ET.Element("service_definition")
        _fill(root, body)
        return HttpResponse(
            b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(root, encoding="utf-8"),
            content_type="text/xml; charset=utf-8",
        )
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


def attribute_definitions(category: Category) -> list[dict]:
    """The category's own questions as GeoReport v2 attributes, in their order: `description` is the
    question, `datatype_description` the category's help for it; values are key and name."""
    rows = []
    definitions = [d for d in category.attributes or [] if isinstance(d, dict) and d.get("code")]
    for position, definition in enumerate(definitions, start=1):
        datatype = definition.get("datatype") or "string"
        rows.append(
            {
                "variable": definition.get("variable", True) is not False,
                "code": str(definition["code"]),
                "datatype": datatype if datatype in actions.DATATYPES else "string",
                "required": bool(definition.get("required")),
                "datatype_description": str(definition.get("description") or ""),
                "order": int(definition.get("order") or position),
                "description": str(
                    definition.get("label") or definition.get("description") or definition["code"]
                ),
                "values": [
                    {"key": str(value.get("key", "")), "name": str(value.get("name", value.get("key", "")))}
                    for value in definition.get("values") or []
                    if isinstance(value, dict)
                ],
            }
        )
    return sorted(rows, key=lambda row: row["order"])


def _when(value) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _row(request: Request) -> dict:
    view = queries.public_view(request)
    notes = view["notes"]
    expected = datetime.datetime.combine(
        request.expected_by, datetime.time(17, 0), tzinfo=timezone.get_current_timezone()
    )
    return {
        "service_request_id": view["id"],
        "status": "open" if view["is_open"] else "closed",
        "status_notes": notes[-1]["note"] if notes else view["public_reason"],
        "service_name": view["category"],
        "service_code": f"{request.ward.code}-{request.category.code}",
        "description": "",
        "agency_responsible": view["referred_to"] or request.ward.name,
        "service_notice": "",
        "requested_datetime": _when(view["created_at"]),
        "updated_datetime": _when(getattr(request, "updated_at", None) or view["created_at"]),
        "expected_datetime": _when(expected),
        "address": "",
        "address_id": "",
        "zipcode": "",
        "lat": float(view["latitude"]) if view["latitude"] is not None else None,
        "long": float(view["longitude"]) if view["longitude"] is not None else None,
        "media_url": "",
    }


def _moment(name: str, text: str | None):
    if not text:
        return None
    try:
        value = parse_datetime(text.strip().replace(" ", "+"))
    except ValueError:
        value = None
    if value is None:
        raise Open311Error(400, _("%(name)s は W3C 形式の日時で指定してください") % {"name": name})
    return value if timezone.is_aware(value) else timezone.make_aware(value)


def _number(name: str, text: str | None, default: int, most: int) -> int:
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= most:
        raise Open311Error(
            400, _("%(name)s は1から%(most)sまでの整数で指定してください") % {"name": name, "most": most}
        )
    return value


@csrf_exempt
@require_http_methods(["GET", "POST"])
@open311
def requests_(request, fmt: str):
    if request.method == "POST":
        return _submit(request, fmt)
    ward = _ward(request)
    found = queries.public_requests()
    if ward is not None:
        found = found.filter(ward=ward)
    if codes := request.GET.get("service_code"):
        found = found.filter(category__in=[_category(code, ward) for code in codes.split(",")])
    start = _moment("start_date", request.GET.get("start_date"))
    end = _moment("end_date", request.GET.get("end_date"))
    if start is None and end is None:
        start = timezone.now() - datetime.timedelta(days=DEFAULT_DAYS)
    if start is not None:
        found = found.filter(created_at__gte=start)
    if end is not None:
        found = found.filter(created_at__lte=end)
    if statuses := request.GET.get("status"):
        wanted = {status.strip() for status in statuses.split(",")}
        if not wanted <= {"open", "closed"}:
            raise Open311Error(400, _("status は open または closed で指定してください"))
        if wanted == {"open"}:
            found = found.filter(status__in=Request.OPEN)
        elif wanted == {"closed"}:
            found = found.exclude(status__in=Request.OPEN)
    page = _number("page", request.GET.get("page"), 1, 1_000_000)
    size = _number("page_size", request.GET.get("page_size"), DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    rows = [_row(one) for one in found.order_by("-created_at", "-id")[(page - 1) * size : page * size]]
    return _respond(fmt, rows, "service_requests", "request")


def _one(code: str) -> Request:
    ward_code, year, number = ([*code.split("-"), "", ""])[:3]
    if not (year.isdigit() and number.isdigit()):
        raise Open311Error(404, _("service_request_id %(id)s の要望はありません") % {"id": code})
    found = (
        queries.public_requests()
        .filter(ward__code=ward_code, fiscal_year=int(year), number=int(number))
        .first()
    )
    if found is None:
        raise Open311Error(404, _("service_request_id %(id)s の要望はありません") % {"id": code})
    return found


@require_GET
@open311
def one_request(request, code: str, fmt: str):
    return _respond(fmt, [_row(_one(code))], "service_requests", "request")


_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")


def _answers(form) -> dict:
    """attribute[code]=value, and attribute[code][]=… repeated for a multivaluelist (GeoReport v2)."""
    answers: dict = {}
    for name in form:
        match = _ATTRIBUTE.match(name)
        if match is None:
            continue
        code, many = match.group(1), match.group(2)
        values = form.getlist(name)
        answers[code] = values if many or len(values) > 1 else values[0]
    return answers


def _submit(request, fmt: str):
    user = user_for_token((request.POST.get("api_key") or "").strip())
    if user is None:
        raise Open311Error(403, _("api_key が無効です"))
    ward = _ward(request)
    if not request.POST.get("service_code"):
        raise Open311Error(400, _("service_code を指定してください"))
    category = _category(request.POST["service_code"], ward)
    made = actions.submit_request(
        actor=user,
        category=category,
        description=request.POST.get("description", ""),
        latitude=request.POST.get("lat"),
        longitude=request.POST.get("long"),
        address=request.POST.get("address_string", ""),
        attributes=_answers(request.POST),
    )
    notice = _("%(label)sとして受け付けました。%(day)sまでに受付を確認します") % {
        "label": made.label,
        "day": made.acknowledge_by.isoformat(),
    }
    rows = [{"service_request_id": made.service_request_id, "service_notice": notice, "account_id": ""}]
    return _respond(fmt, rows, "service_requests", "request")
