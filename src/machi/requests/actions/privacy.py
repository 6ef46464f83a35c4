"""Forgetting a person's requests, erasing one request, and the retention sweep.

What is erased is what a person wrote and where they were: the description, address, coordinates,
answers to the category's questions (`attributes`), photos, a caller's name and phone, the link to
the requester, the followers, and staff's internal notes on the request's updates (they may name the
person). What stays is what the ward's counts and the ledger need: the number (令和4年度 中央区
第123号, never reused), category, 校区, status and its dates, public notes and reasons (already
public), and the expenditures. `erased_at` says when; the audit entry names the fields, never their
old values.

Retention: a closed request (対応済・対応不可・引継ぎ・重複・取下げ) is a 5-year record (5年保存) of the
city's document rules for 陳情・要望 and their handling: kept for five fiscal years counted from the
April 1 after the fiscal year it closed in, then erased by the retention sweep (`machi privacy
anonymise` and the worker's daily task). Where the city's general retention (`MACHI_RETENTION_FISCAL_YEARS`) is longer,
the longer applies. A request still open is never erased by retention.
"""

import datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from machi.accounts.privacy import anonymise_rows, retention_fiscal_years
from machi.accounts.scope import require_city_admin, require_ward
from machi.core.errors import Conflict
from machi.core.fiscal import fiscal_year_bounds, fiscal_year_of
from machi.requests.models import Follower, Photo, Request, RequestUpdate

RETENTION_FISCAL_YEARS = 5
ERASED = {
    "description": "",
    "address": "",
    "address_key": "",
    "latitude": None,
    "longitude": None,
    "attributes": {},
    "caller_name": "",
    "caller_phone": "",
    "requester": None,
}
ALSO = ("photos", "followers", "internal_notes")


def _erase(requests, *, actor, action: str) -> int:
    """Erase the requests' personal content (inside the caller's transaction); how many were erased."""
    ids = list(requests.filter(erased_at__isnull=True).values_list("pk", flat=True))
    if not ids:
        return 0
    count = anonymise_rows(
        Request.objects.filter(pk__in=ids),
        {**ERASED, "erased_at": timezone.now()},
        actor=actor,
        action=action,
        also=ALSO,
    )
    Photo.objects.filter(request_id__in=ids).delete()
    Follower.objects.filter(request_id__in=ids).delete()
    RequestUpdate.objects.filter(request_id__in=ids).exclude(internal_note="").update(internal_note="")
    return count


@transaction.atomic
def forget_requests(*, actor, user) -> int:
    """Forget a person: erase the requests they made and stop their following. The person themself,
    a city administrator or the command line (an account deletion calls it as the person)."""
    if getattr(actor, "pk", None) != user.pk:
        require_city_admin(actor, _("利用者の課題の消去"))
    Follower.objects.filter(user=user).delete()
    return _erase(Request.objects.filter(requester=user), actor=actor, action="requests.forget")


@transaction.atomic
def erase_request(*, actor, request: Request) -> Request:
    """The ward's staff erase one closed request's personal content (a caller asked them to, by phone)."""
    require_ward(actor, request.ward, _("地域課題"))
    request = Request.objects.select_for_update().select_related("ward").get(pk=request.pk)
    if request.is_open:
        raise Conflict(
            _("対応中の課題は消去できません。対応を終えてから消去してください"), code="requests.erase_open"
        )
    _erase(Request.objects.filter(pk=request.pk), actor=actor, action="requests.erase")
    request.refresh_from_db()
    return request


def retention_cutoff(before: datetime.date) -> datetime.date:
    """The first day a closing keeps a request's content, given the city's general cutoff `before`
    (the April 1 that starts the oldest fiscal year still kept): 5 fiscal years, or the city's own if longer."""
    extra = RETENTION_FISCAL_YEARS - retention_fiscal_years()
    if extra <= 0:
        return before
    return fiscal_year_bounds(fiscal_year_of(before) - extra)[0]


def erase_expired(before: datetime.date, *, actor) -> int:
    """The retention sweep's part: requests closed before the requests' cutoff lose their personal
    content (each once: an erased request is not found again)."""
    cutoff = datetime.datetime.combine(
        retention_cutoff(before), datetime.time(), tzinfo=timezone.get_current_timezone()
    )
    closed = (
        Request.objects.exclude(status__in=Request.OPEN)
        .filter(erased_at__isnull=True)
        .annotate(closed_at=Max("updates__at"))
        .filter(closed_at__lt=cutoff)
    )
    return _erase(
        Request.objects.filter(pk__in=list(closed.values_list("pk", flat=True))),
        actor=actor,
        action="requests.retention",
    )
