"""Business questions of residents' requests: what the public may see of one, which are overdue."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import OuterRef, Prefetch, Q, Subquery
from django.utils import timezone

from machi.accounts.scope import ward_scope_filter
from machi.requests.models import Request, RequestUpdate

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


def overdue(actor, today: datetime.date | None = None):
    """Open requests of the actor's wards past their expected date or not acknowledged in time, oldest first."""
    today = today or timezone.localdate()
    late = Q(expected_by__lt=today) | Q(acknowledged_at__isnull=True, acknowledge_by__lt=today)
    requests = Request.objects.filter(late, status__in=Request.OPEN).select_related("ward", "category")
    scope = ward_scope_filter(actor)
    if scope is not None:
        requests = requests.filter(scope)
    return requests.order_by("expected_by", "created_at")
