"""Business questions of residents' requests: what the public may see of one, which are overdue."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import BooleanField, Case, OuterRef, Prefetch, Q, Subquery, Sum, Value, When
from django.utils import timezone

from machi.accounts.scope import ward_scope_filter
from machi.requests.models import Category, Expenditure, Photo, Request, RequestUpdate

# The public sees a location snapped to a grid of 0.0005°: about 55 m north-south and 47 m east-west
# in Kumamoto (32.8° N), so a point is moved by up to ~36 m and a house cannot be picked out.
PUBLIC_GRID = Decimal("0.0005")


def rounded(value: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    return ((value / PUBLIC_GRID).quantize(Decimal(1), rounding=ROUND_HALF_UP) * PUBLIC_GRID).quantize(
        Decimal("0.0001")
    )


def category_by_service_code(code: str, *, public_only: bool) -> Category | None:
    """The category an Open311 service_code names: the ward's code and the category's ("431010-road")."""
    ward_code, _sep, own = (code or "").strip().partition("-")
    if not own:
        return None
    found = Category.objects.select_related("ward").filter(ward__code=ward_code, code=own)
    return (found.filter(public=True) if public_only else found).first()


def public_requests():
    """Requests of public categories, with what a public view reads in a constant number of queries:
    the ward and category, the public notes (never the internal ones) and the time of the last change."""
    notes = RequestUpdate.objects.exclude(public_note="").only("request_id", "to_status", "public_note", "at")
    last_change = RequestUpdate.objects.filter(request=OuterRef("pk")).order_by("-at", "-id")
    return (
        Request.objects.filter(category__public=True)
        .select_related("ward", "category", "duplicate_of__ward")
        .prefetch_related(Prefetch("updates", queryset=notes, to_attr="public_updates"))
        # The last change of each row listed, not a GROUP BY over every request before the page is cut.
        .annotate(updated_at=Subquery(last_change.values("at")[:1]))
        .defer("description", "address", "address_key", "caller_name", "caller_phone", "requester", "group")
    )


def public_view(request: Request) -> dict:
    """What anyone may see of a request: category, 校区, status, dates, public notes and reasons, the
    location rounded to about 50 m. Never the description, address, a name, phone, email or internal note."""
    updates = getattr(request, "public_updates", None)
    if updates is None:
        updates = list(request.updates.exclude(public_note=""))
    return {
        "id": request.service_request_id,
        "label": request.label,
        "ward": request.ward.name,
        "category": request.category.name,
        "category_code": request.category.code,
        "school_district": request.school_district,
        "status": request.status,
        "status_label": str(Request.Status(request.status).label),
        "is_open": request.is_open,
        "public_reason": request.public_reason,
        "referred_to": request.referred_to,
        "duplicate_of": request.duplicate_of.service_request_id if request.duplicate_of_id else None,
        "created_at": request.created_at,
        "acknowledged_at": request.acknowledged_at,
        "resolved_at": request.resolved_at,
        "expected_by": request.expected_by,
        "latitude": rounded(request.latitude),
        "longitude": rounded(request.longitude),
        "notes": [
            {"at": update.at, "status": update.to_status, "note": update.public_note} for update in updates
        ],
    }


def late_filter(today: datetime.date) -> Q:
    """Open and past the expected date, or not acknowledged by its date: the overdue flag's one rule."""
    return Q(status__in=Request.OPEN) & (
        Q(expected_by__lt=today) | Q(acknowledged_at__isnull=True, acknowledge_by__lt=today)
    )


def is_late(request: Request, today: datetime.date | None = None) -> bool:
    """The same rule as `late_filter`, for a request already read."""
    today = today or timezone.localdate()
    return request.is_open and (
        request.expected_by < today or (request.acknowledged_at is None and request.acknowledge_by < today)
    )


# The public list's status filter: "open", "closed" or one state.
CLOSED = tuple(status for status in Request.Status.values if status not in Request.OPEN)


def status_filter(status: str | None) -> Q | None:
    if not status:
        return None
    if status == "open":
        return Q(status__in=Request.OPEN)
    if status == "closed":
        return Q(status__in=CLOSED)
    return Q(status=status)


def public_listing(*, ward=None, status: str | None = None, category: str = ""):
    """The public list and map: requests of public categories, newest first, filtered by ward, status
    ("open", "closed" or one state) and category code; what `public_view` reads, in a fixed number of
    queries whatever the page size."""
    requests = public_requests()
    if ward is not None:
        requests = requests.filter(ward=ward)
    if (by_status := status_filter(status)) is not None:
        requests = requests.filter(by_status)
    if category:
        requests = requests.filter(category__code=category)
    return requests.order_by("-created_at", "-id")


def by_code(code: str) -> Q | None:
    """The filter for a service_request_id (431010-2026-3): ward code, fiscal year, number; None if malformed."""
    ward_code, _sep, rest = str(code).partition("-")
    year, _sep, number = rest.partition("-")
    if not (ward_code.isdigit() and year.isdigit() and number.isdigit()):
        return None
    return Q(ward__code=ward_code, fiscal_year=int(year), number=int(number))


def public_request(code: str) -> Request | None:
    """One request of a public category by its service_request_id (431010-2026-3), or None."""
    found = by_code(code)
    return None if found is None else public_requests().filter(found).first()


def may_reopen(request: Request, now: datetime.datetime | None = None) -> bool:
    """対応済 within the days the requester may reopen it (the rule `actions.reopen` enforces)."""
    from machi.requests.actions import REOPEN_DAYS

    now = now or timezone.now()
    return (
        request.status == Request.Status.RESOLVED
        and request.resolved_at is not None
        and now - request.resolved_at <= datetime.timedelta(days=REOPEN_DAYS)
    )


def status_history(request: Request) -> list[RequestUpdate]:
    """The request's changes of status with their public notes, oldest first (never the internal note)."""
    return list(request.updates.only("request_id", "from_status", "to_status", "public_note", "at"))


def requests_of(user, code: str | None = None):
    """A person's own requests and the ones they follow, newest first, with their public notes and photos
    (only the one of that service_request_id if `code` is given)."""
    notes = RequestUpdate.objects.exclude(public_note="").only("request_id", "to_status", "public_note", "at")
    requests = (
        Request.objects.filter(Q(requester=user) | Q(followers__user=user))
        .distinct()
        .select_related("ward", "category")
        .prefetch_related(
            Prefetch("updates", queryset=notes, to_attr="public_updates"),
            Prefetch("photos", queryset=Photo.objects.defer("content")),
        )
        .order_by("-created_at", "-id")
    )
    if code is not None:
        found = by_code(code)
        requests = requests.filter(found) if found is not None else requests.none()
    return requests


def staff_queue(
    actor,
    status: str | None = None,
    *,
    ward=None,
    category: str = "",
    late_only: bool = False,
    today: datetime.date | None = None,
):
    """The actor's wards' requests for staff: overdue ones first, then by age (oldest first); filtered
    by status ("open" by default, "closed", "all" or one state), ward, category code and overdue only.
    Each row carries `late`."""
    today = today or timezone.localdate()
    requests = Request.objects.select_related("ward", "category").annotate(
        late=Case(
            When(late_filter(today), then=Value(True)), default=Value(False), output_field=BooleanField()
        )
    )
    scope = ward_scope_filter(actor)
    if scope is not None:
        requests = requests.filter(scope)
    if status != "all" and (by_status := status_filter(status or "open")) is not None:
        requests = requests.filter(by_status)
    if ward is not None:
        requests = requests.filter(ward=ward)
    if category:
        requests = requests.filter(category__code=category)
    if late_only:
        requests = requests.filter(late_filter(today))
    return requests.defer("description", "attributes").order_by("-late", "created_at", "id")


# --- Photos and statistics (req-stats) ---


def statistics(*, fiscal_year: int, ward=None, month: datetime.date | None = None, **options):
    """The public statistics per ward, category and month, withheld under 5 requests (see `stats`)."""
    from machi.requests.stats import statistics as cells

    return cells(fiscal_year=fiscal_year, ward=ward, month=month, **options)


def photo_for(user, photo_id: int):
    """A photo, to the staff of its request's ward and to the requester; None to anyone else (the public
    never sees photos, nor learns that one exists)."""
    from machi.accounts.scope import can_manage_ward
    from machi.requests.models import Photo

    if user is None or not user.is_authenticated or not user.is_active:
        return None
    photo = Photo.objects.select_related("request").filter(pk=photo_id).first()
    if photo is None:
        return None
    if photo.request.requester_id == user.pk or can_manage_ward(user, photo.request.ward_id):
        return photo
    return None


def overdue(actor, today: datetime.date | None = None):
    """Open requests of the actor's wards past their expected date or not acknowledged in time, oldest first."""
    today = today or timezone.localdate()
    requests = Request.objects.filter(late_filter(today)).select_related("ward", "category")
    scope = ward_scope_filter(actor)
    if scope is not None:
        requests = requests.filter(scope)
    return requests.order_by("expected_by", "created_at")


# --- Money: what a request cost and what its fund has left ------------------------------------


def fund_left(request: Request):
    """The money left of the category's fund project (the ledger's `MoneyLeft`, as stored now), or None
    where the category has no fund."""
    from machi.ledger.queries import stored_money_left

    fund_id = request.category.fund_id
    if fund_id is None:
        return None
    return stored_money_left([fund_id])[fund_id]


def expenditures_of(request: Request) -> list[Expenditure]:
    """The request's payments and refunds (戻入) in the order recorded; a refund's `signed_yen` is
    negative. Each payment carries `refunded_yen` (what refunds took back of it) and `refundable_yen`."""
    rows = list(
        Expenditure.objects.filter(request=request)
        .select_related("recorded_by", "refund_of")
        .order_by("recorded_at", "id")
    )
    refunded: dict[int, int] = {}
    for row in rows:
        if row.kind == Expenditure.Kind.REFUND:
            refunded[row.refund_of_id] = refunded.get(row.refund_of_id, 0) + row.amount_yen
    for row in rows:
        if row.kind == Expenditure.Kind.PAYMENT:
            row.refunded_yen = refunded.get(row.pk, 0)
            row.refundable_yen = row.amount_yen - row.refunded_yen
    return rows


def spent_yen(request: Request) -> int:
    """What answering the request cost the fund: payments minus refunds, in yen."""
    totals = Expenditure.objects.filter(request=request).aggregate(
        paid=Sum("amount_yen", filter=Q(kind=Expenditure.Kind.PAYMENT)),
        refunded=Sum("amount_yen", filter=Q(kind=Expenditure.Kind.REFUND)),
    )
    return (totals["paid"] or 0) - (totals["refunded"] or 0)
