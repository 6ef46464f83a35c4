"""Business questions of residents' requests: what the public may see of one, which are overdue."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Max, Prefetch, Q, Sum
from django.utils import timezone

from machi.accounts.scope import ward_scope_filter
from machi.requests.models import Expenditure, Request, RequestUpdate

# The public sees a location snapped to a grid of 0.0005°: about 55 m north-south and 47 m east-west
# in Kumamoto (32.8° N), so a point is moved by up to ~36 m and a house cannot be picked out.
PUBLIC_GRID = Decimal("0.0005")


def rounded(value: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    return ((value / PUBLIC_GRID).quantize(Decimal(1), rounding=ROUND_HALF_UP) * PUBLIC_GRID).quantize(
        Decimal("0.0001")
    )


def public_requests():
    """Requests of public categories, with what a public view reads in a constant number of queries:
    the ward and category, the public notes (never the internal ones) and the time of the last change."""
    notes = RequestUpdate.objects.exclude(public_note="").only("request_id", "to_status", "public_note", "at")
    return (
        Request.objects.filter(category__public=True)
        .select_related("ward", "category", "duplicate_of__ward")
        .prefetch_related(Prefetch("updates", queryset=notes, to_attr="public_updates"))
        .annotate(updated_at=Max("updates__at"))
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


def overdue(actor, today: datetime.date | None = None):
    """Open requests of the actor's wards past their expected date or not acknowledged in time, oldest first."""
    today = today or timezone.localdate()
    late = Q(expected_by__lt=today) | Q(acknowledged_at__isnull=True, acknowledge_by__lt=today)
    requests = Request.objects.filter(late, status__in=Request.OPEN).select_related("ward", "category")
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
