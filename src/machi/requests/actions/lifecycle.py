"""Every write of residents' requests: submit, follow, change of status, reopen, withdraw.

Each takes keyword `actor`, checks its scope, runs in one transaction and writes the audit log.
"""

import datetime
import math
import re
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from machi.accounts.actors import SystemActor, actor_user
from machi.accounts.scope import require_member, require_ward
from machi.audit.actions import record
from machi.core.errors import Conflict, NotAllowed, Refused
from machi.core.fiscal import fiscal_year_of
from machi.core.text import name_key, normalize
from machi.requests.actions.photos import prepare_photos, store_photos
from machi.requests.models import DESCRIPTION_MAX, Category, Follower, Request, RequestCounter, RequestUpdate
from machi.requests.workdays import add_working_days

# The city's extent (熊本市, all five wards), a box around it: a point outside is not the city's to answer.
CITY_BOUNDS = {"lat": (Decimal("32.68"), Decimal("32.93")), "lon": (Decimal("130.57"), Decimal("130.90"))}
DUPLICATE_METRES = 50
DUPLICATE_DAYS = 90
REOPEN_DAYS = 30
EARTH_METRES = 6_371_000

Status = Request.Status

# Where staff may move a request (reopen and withdraw are the requester's own actions).
TRANSITIONS = {
    Status.RECEIVED: {
        Status.CHECKING,
        Status.IN_PROGRESS,
        Status.RESOLVED,
        Status.DECLINED,
        Status.REFERRED,
        Status.DUPLICATE,
    },
    Status.CHECKING: {
        Status.IN_PROGRESS,
        Status.RESOLVED,
        Status.DECLINED,
        Status.REFERRED,
        Status.DUPLICATE,
    },
    Status.IN_PROGRESS: {Status.CHECKING, Status.RESOLVED, Status.DECLINED, Status.REFERRED},
}


# ー typed for a dash between numbers (３ー２ー１); elsewhere it is the long vowel of a name (センター).
_LONG_VOWEL_DASH = re.compile(r"(?<=\d)ー(?=\d)")


def address_key(address: str) -> str:
    """The key two spellings of one address share: ３丁目２－１ and 3丁目2-1 (core.text.name_key: NFKC,
    dashes and spaces folded), and 3丁目2番1号 too (番/号 written as dashes)."""
    key = _LONG_VOWEL_DASH.sub("-", name_key(address))
    key = key.replace("丁目", "-").replace("番地", "-").replace("番", "-").replace("号", "")
    return key.replace("の", "-").rstrip("-")


def _coordinate(value, what: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(normalize(str(value)))
    except InvalidOperation:
        raise Refused(
            _("%(what)sが数値ではありません") % {"what": what}, code="requests.bad_location"
        ) from None
    if not number.is_finite():
        raise Refused(_("%(what)sが数値ではありません") % {"what": what}, code="requests.bad_location")
    return number.quantize(Decimal("0.000001"))


def _location(latitude, longitude) -> tuple[Decimal | None, Decimal | None]:
    lat, lon = _coordinate(latitude, _("緯度")), _coordinate(longitude, _("経度"))
    if (lat is None) != (lon is None):
        raise Refused(_("位置は緯度と経度の両方を指定してください"), code="requests.bad_location")
    if lat is not None and not (
        CITY_BOUNDS["lat"][0] <= lat <= CITY_BOUNDS["lat"][1]
        and CITY_BOUNDS["lon"][0] <= lon <= CITY_BOUNDS["lon"][1]
    ):
        raise Refused(_("指定された位置は熊本市の外です"), code="requests.outside_city")
    return lat, lon


def metres_between(lat1, lon1, lat2, lon2) -> float:
    """Haversine distance in metres."""
    p1, p2 = math.radians(float(lat1)), math.radians(float(lat2))
    dp, dl = p2 - p1, math.radians(float(lon2) - float(lon1))
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_METRES * math.asin(math.sqrt(a))


def find_duplicates(*, category: Category, latitude, longitude, now: datetime.datetime | None = None) -> list:
    """Open requests of the category within 50 m and 90 days, nearest first (offered before a new one)."""
    lat, lon = _location(latitude, longitude)
    if lat is None:
        return []
    now = now or timezone.now()
    # A box a little over 50 m each way narrows the rows in the database; haversine decides.
    dlat = Decimal("0.0005")
    dlon = Decimal("0.0006")
    near = Request.objects.filter(
        category=category,
        status__in=Request.OPEN,
        created_at__gte=now - datetime.timedelta(days=DUPLICATE_DAYS),
        latitude__range=(lat - dlat, lat + dlat),
        longitude__range=(lon - dlon, lon + dlon),
    ).select_related("ward")
    found = [(metres_between(lat, lon, r.latitude, r.longitude), r) for r in near]
    return [r for metres, r in sorted(found, key=lambda pair: pair[0]) if metres <= DUPLICATE_METRES]


def _snapshot(request: Request) -> dict:
    return {
        "status": request.status,
        "version": request.version,
        "public_reason": request.public_reason,
        "referred_to": request.referred_to,
        "duplicate_of": request.duplicate_of_id,
    }


def _require_person(actor) -> None:
    if isinstance(actor, SystemActor):
        return
    if actor is None or not actor.is_authenticated:
        raise NotAllowed(_("課題の受付にはログインが必要です"), code="requests.login")


# The datatypes of Open311 GeoReport v2 service definitions; an attribute without one is a string.
DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
ATTRIBUTE_MAX = {"string": 200, "text": 2000}


class AttributesRefused(Refused):
    """Answers to a category's own questions refused (400); `problems` holds one message per answer."""

    default_code = "requests.bad_attributes"

    def __init__(self, problems: list[str]):
        super().__init__(" / ".join(problems))
        self.problems = problems


def clean_attributes(category: Category, answers: dict) -> dict:
    """The answers to the category's own questions (Open311 service definition attributes), checked:
    each required one given, each of its datatype (a number, a date and time, a key of the allowed
    values; several keys for a multivaluelist), no question the category does not ask. Returns the
    answers to store (by code: text, a number as text, ISO 8601, a key, a list of keys); refuses with
    every problem named (`AttributesRefused`)."""
    if not isinstance(answers, dict):
        raise AttributesRefused([_("追加の項目の回答が正しくありません")])
    definitions = [d for d in category.attributes or [] if isinstance(d, dict) and d.get("code")]
    known = {str(d["code"]) for d in definitions}
    problems = [
        _("「%(code)s」という項目はこの種類にはありません") % {"code": code}
        for code in answers
        if str(code) not in known
    ]
    cleaned: dict = {}
    for definition in definitions:
        code = str(definition["code"])
        if definition.get("variable", True) is False:
            continue  # information only: nothing to answer
        value, problem = _attribute_answer(definition, answers.get(code))
        if problem:
            problems.append(problem)
        elif value not in (None, "", []):
            cleaned[code] = value
    if problems:
        raise AttributesRefused(problems)
    return cleaned


def _attribute_answer(definition: dict, value) -> tuple[object, str | None]:
    label = str(definition.get("label") or definition.get("description") or definition["code"])
    datatype = definition.get("datatype") or "string"
    values = [v for v in definition.get("values") or [] if isinstance(v, dict)]
    keys = {normalize(str(v.get("key", ""))): str(v.get("key", "")) for v in values}
    names = {normalize(str(v.get("name", ""))): str(v.get("key", "")) for v in values}
    if isinstance(value, list | tuple):
        given = [normalize(str(v)).strip() for v in value if v is not None and str(v).strip()]
    else:
        given = [normalize(str(value)).strip()] if value is not None and str(value).strip() else []
    if not given:
        if definition.get("required"):
            return None, _("「%(label)s」は必須です") % {"label": label}
        return None, None
    if datatype == "multivaluelist":
        chosen = [keys.get(v) or names.get(v) for v in given]
        if None in chosen:
            return None, _("「%(label)s」の選択肢にない値です（%(keys)s から選んでください）") % {
                "label": label,
                "keys": "、".join(keys.values()),
            }
        return list(dict.fromkeys(chosen)), None
    if len(given) > 1:
        return None, _("「%(label)s」は1つだけ指定してください") % {"label": label}
    [text] = given
    if datatype == "singlevaluelist":
        key = keys.get(text) or names.get(text)
        if key is None:
            return None, _("「%(label)s」の選択肢にない値です（%(keys)s から選んでください）") % {
                "label": label,
                "keys": "、".join(keys.values()),
            }
        return key, None
    if datatype == "number":
        try:
            number = Decimal(text.replace(",", ""))
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or abs(number) >= Decimal(10) ** 15:
            return None, _("「%(label)s」は数値で指定してください") % {"label": label}
        return str(number.normalize() if number != number.to_integral() else number.to_integral()), None
    if datatype == "datetime":
        moment, day = _moment_or_day(text)
        if moment is None and day is None:
            return None, _("「%(label)s」は日時（例: 2026-06-01T09:30+09:00）で指定してください") % {
                "label": label
            }
        if moment is not None:
            moment = moment if timezone.is_aware(moment) else timezone.make_aware(moment)
            return timezone.localtime(moment).isoformat(timespec="minutes"), None
        return day.isoformat(), None
    limit = ATTRIBUTE_MAX["text" if datatype == "text" else "string"]
    original = value if isinstance(value, str) else text
    original = original.strip()
    if len(original) > limit:
        return None, _("「%(label)s」は%(max)s文字以内で入力してください") % {"label": label, "max": limit}
    if any((ord(c) < 32 and c not in "\n\t") or ord(c) == 127 for c in original):
        return None, _("「%(label)s」に制御文字は使えません") % {"label": label}
    return original, None


def _moment_or_day(text: str) -> tuple[datetime.datetime | None, datetime.date | None]:
    """A W3C date and time (2026-06-01T09:30+09:00), or a date alone; (None, None) if neither."""
    try:
        if "T" in text or " " in text:
            return parse_datetime(text.replace(" ", "T", 1)), None
        return None, parse_date(text)
    except ValueError:
        return None, None


@transaction.atomic
def submit_request(
    *,
    actor,
    category: Category,
    description: str,
    latitude=None,
    longitude=None,
    address: str = "",
    school_district: str = "",
    group=None,
    caller_name: str = "",
    caller_phone: str = "",
    photos=(),
    attributes: dict | None = None,
    now: datetime.datetime | None = None,
) -> Request:
    """A new request, numbered next in its ward and fiscal year. A caller's name or phone (a request
    phoned in) is entered by the ward's staff and recorded as on their behalf; a group's by its member.
    Up to three photos (uploaded files) are stored with it: one refused refuses the whole submission.
    `attributes` answers the category's own questions (`clean_attributes`: required, type, choices)."""
    _require_person(actor)
    on_behalf = bool(caller_name or caller_phone)
    if on_behalf:
        require_ward(actor, category.ward, _("地域課題"))
    if group is not None:
        require_member(actor, group)
    if not category.active:
        raise Refused(_("この種類の課題は現在受け付けていません"), code="requests.category_closed")
    description = (description or "").strip()
    if not description:
        raise Refused(_("内容を入力してください"), code="requests.no_description")
    if len(description) > DESCRIPTION_MAX:
        raise Refused(
            _("内容は%(max)s文字以内で入力してください（%(count)s文字）")
            % {"max": DESCRIPTION_MAX, "count": len(description)},
            code="requests.too_long",
        )
    lat, lon = _location(latitude, longitude)
    address = normalize(address)[:200]
    if lat is None and not address:
        raise Refused(_("場所（地図の位置または住所）を指定してください"), code="requests.no_location")
    answers = clean_attributes(category, attributes or {})
    prepared = prepare_photos(photos)  # checked and encoded before the ward's counter is locked
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    fiscal_year = fiscal_year_of(now)
    RequestCounter.objects.get_or_create(ward=category.ward, fiscal_year=fiscal_year)
    counter = RequestCounter.objects.select_for_update().get(ward=category.ward, fiscal_year=fiscal_year)
    counter.last += 1
    counter.save(update_fields=["last"])
    request = Request.objects.create(
        ward=category.ward,
        fiscal_year=fiscal_year,
        number=counter.last,
        category=category,
        description=description,
        latitude=lat,
        longitude=lon,
        address=address,
        address_key=address_key(address),
        school_district=normalize(school_district)[:100],
        requester=None if on_behalf else actor_user(actor),
        group=group,
        caller_name=normalize(caller_name)[:100],
        caller_phone=normalize(caller_phone)[:30],
        on_behalf=on_behalf,
        acknowledge_by=add_working_days(today, 1),
        expected_by=add_working_days(today, category.target_days),
        attributes=answers,
        created_at=now,
    )
    RequestUpdate.objects.create(request=request, to_status=Status.RECEIVED, actor=actor_user(actor))
    record(actor=actor, action="requests.submit", obj=request, before=None, after=_snapshot(request))
    store_photos(actor=actor, request=request, prepared=prepared)
    return request


@transaction.atomic
def follow(*, actor, request: Request) -> Follower:
    """ "The same problem": the person follows the open request instead of making a new one."""
    _require_person(actor)
    user = actor_user(actor)
    if user is None:
        raise Refused(_("フォローできるのは利用者だけです"), code="requests.follow_system")
    request = Request.objects.select_related("ward").get(
        pk=request.pk
    )  # its state now, not as the page saw it
    if not request.is_open:
        raise Conflict(_("この課題は既に対応を終えています"), code="requests.closed")
    follower, created = Follower.objects.get_or_create(request=request, user=user)
    if created:
        record(actor=actor, action="requests.follow", obj=request, before=None, after={"follower": user.pk})
    return follower


def _locked(request: Request, expected_version: int | None) -> Request:
    current = Request.objects.select_for_update().select_related("ward").get(pk=request.pk)
    if expected_version is not None and current.version != expected_version:
        raise Conflict(
            _("この課題は他の人が先に更新しました。画面を読み込み直してください"), code="requests.stale"
        )
    return current


def _move(actor, request: Request, to: str, before: dict, public_note: str, internal_note: str, action: str):
    update = RequestUpdate.objects.create(
        request=request,
        from_status=before["status"],
        to_status=to,
        public_note=(public_note or "").strip(),
        internal_note=(internal_note or "").strip(),
        actor=actor_user(actor),
    )
    request.status = to
    request.version += 1
    request.save()
    record(actor=actor, action=action, obj=request, before=before, after=_snapshot(request))
    return update


@transaction.atomic
def change_status(
    *,
    actor,
    request: Request,
    to: str,
    expected_version: int,
    public_note: str = "",
    internal_note: str = "",
    reason: str = "",
    referred_to: str = "",
    duplicate_of: Request | None = None,
    now: datetime.datetime | None = None,
) -> Request:
    """Staff move a request; a change made on a stale version is refused (409)."""
    require_ward(actor, request.ward, _("地域課題"))
    request = _locked(request, expected_version)
    before = _snapshot(request)
    to = Status(to)
    if to not in TRANSITIONS.get(request.status, set()):
        raise Conflict(
            _("「%(from)s」から「%(to)s」には変更できません")
            % {"from": Status(request.status).label, "to": to.label},
            code="requests.transition",
        )
    now = now or timezone.now()
    if to == Status.DECLINED:
        if not reason.strip():
            raise Refused(_("対応できない理由（公開されます）を入力してください"), code="requests.no_reason")
        request.public_reason = reason.strip()
    if to == Status.REFERRED:
        if not referred_to.strip():
            raise Refused(_("引継ぎ先を入力してください"), code="requests.no_referral")
        request.referred_to = normalize(referred_to)[:200]
    if to == Status.DUPLICATE:
        if duplicate_of is None or duplicate_of.pk == request.pk or duplicate_of.ward_id != request.ward_id:
            raise Refused(_("重複先の課題を指定してください"), code="requests.no_duplicate")
        request.duplicate_of = duplicate_of
    if request.acknowledged_at is None:
        request.acknowledged_at = now
    if to == Status.RESOLVED:
        request.resolved_at = now
    _move(actor, request, to, before, public_note, internal_note, "requests.change_status")
    return request


def _require_requester(actor, request: Request) -> None:
    if isinstance(actor, SystemActor):
        return
    if actor is None or not actor.is_authenticated or request.requester_id != actor.pk:
        raise NotAllowed(_("この操作は申出者本人だけが行えます"), code="requests.not_requester")


@transaction.atomic
def reopen(
    *,
    actor,
    request: Request,
    public_note: str = "",
    expected_version: int | None = None,
    now: datetime.datetime | None = None,
) -> Request:
    """The requester reopens a 対応済 request within 30 days of its resolution: it goes back to 確認中."""
    _require_requester(actor, request)
    request = _locked(request, expected_version)
    if request.status != Status.RESOLVED:
        raise Conflict(_("対応済の課題だけを再開できます"), code="requests.not_resolved")
    now = now or timezone.now()
    if now - request.resolved_at > datetime.timedelta(days=REOPEN_DAYS):
        raise Conflict(
            _("対応済から%(days)s日を過ぎたため再開できません。新しく申し出てください")
            % {"days": REOPEN_DAYS},
            code="requests.reopen_late",
        )
    before = _snapshot(request)
    request.resolved_at = None
    _move(actor, request, Status.CHECKING, before, public_note, "", "requests.reopen")
    return request


@transaction.atomic
def withdraw(*, actor, request: Request, expected_version: int | None = None) -> Request:
    """The requester withdraws a request still open."""
    _require_requester(actor, request)
    request = _locked(request, expected_version)
    if not request.is_open:
        raise Conflict(_("対応を終えた課題は取り下げられません"), code="requests.closed")
    before = _snapshot(request)
    _move(actor, request, Status.WITHDRAWN, before, "", "", "requests.withdraw")
    return request
