"""`Idempotency-Key`: a write sent again gets the answer the first one got, never a second write.

At 9:00 a person whose answer never arrived presses again. A client that sends the header
`Idempotency-Key: <its own unique text>` with `POST /api/reservations` or an event's registration
may send the same request again, as often as it likes, for (at least) 48 hours:

- the first time, the write runs and its answer (status and JSON body) is kept with the key, in the
  write's own transaction: a crash keeps both or neither;
- again with the same key and the same request: the kept answer, byte for byte, with the header
  `Idempotent-Replayed: true`; nothing is written;
- the same key with another request (another body, another event): 422, nothing is written;
- the same key while the first is still running: the second waits for it (the unique index on
  person and key holds it on PostgreSQL, the write lock on SQLite), then is answered as above.

Only a write that succeeded is kept: a refusal wrote nothing, so sending it again simply asks again
(and may now succeed, or be refused for today's reason). Keys belong to a person: another person's
identical key is theirs alone. `forget_old_answers` (a daily task) deletes what is older than 48 hours.
"""

import datetime
import hashlib
import json
from collections.abc import Callable
from typing import Annotated

from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Header, Schema, Status
from ninja.responses import NinjaJSONEncoder

from machi.accounts.models import IdempotentAnswer
from machi.core.errors import Conflict, Unprocessable

REPLAYED = "Idempotent-Replayed"
CONTENT_TYPE = "application/json; charset=utf-8"

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",
        description=(
            "再送しても二重にならないための鍵（クライアントが作る一意の文字列、例: UUID。印字可能な ASCII、"
            "255文字まで）。同じ鍵と同じ内容の再送には最初の答え（状態と本文）を Idempotent-Replayed: true "
            "つきで返し、何も書き込まない。同じ鍵で内容が違えば 422。48時間有効"
        ),
    ),
]


class KeyReused(Unprocessable):
    default_code = "idempotency.key_reused"


def answer(
    request,
    *,
    key: str | None,
    operation: str,
    request_data: dict,
    schema: type[Schema],
    write: Callable[[], tuple[int, dict]],
):
    """Run `write` (which returns the status and the answer's data, shaped by `schema`) once per key.

    Without a key, `write` runs and its answer goes out as any other. With one, see the module's notes.
    """
    if key is None:
        status, data = write()
        return Status(status, data)
    user = request.auth
    digest = request_digest(operation, request_data)
    with transaction.atomic():
        try:
            with transaction.atomic():
                claim = IdempotentAnswer.objects.create(
                    user=user, key=key, operation=operation, digest=digest
                )
        except IntegrityError:
            return _replay(IdempotentAnswer.objects.filter(user=user, key=key).first(), operation, digest)
        status, data = write()
        body = json.dumps(schema.model_validate(data).model_dump(), cls=NinjaJSONEncoder, ensure_ascii=False)
        claim.status, claim.body = status, body
        claim.save(update_fields=["status", "body"])
    return HttpResponse(body, status=status, content_type=CONTENT_TYPE)


def request_digest(operation: str, request_data: dict) -> str:
    text = json.dumps([operation, request_data], cls=NinjaJSONEncoder, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _replay(earlier: IdempotentAnswer | None, operation: str, digest: str) -> HttpResponse:
    if earlier is None or not earlier.status:  # only seen if the first vanished between two statements
        raise Conflict(
            _("同じ鍵の要求を処理中です。しばらくしてからもう一度お試しください"), code="idempotency.busy"
        )
    if earlier.operation != operation or earlier.digest != digest:
        raise KeyReused(
            _("この Idempotency-Key は別の内容の要求にすでに使われています。新しい鍵でお送りください")
        )
    response = HttpResponse(earlier.body, status=earlier.status, content_type=CONTENT_TYPE)
    response[REPLAYED] = "true"
    return response


def forget_old_answers(now: datetime.datetime | None = None) -> int:
    """Delete the answers kept longer than `IdempotentAnswer.KEEP`; returns how many."""
    cutoff = (now or timezone.now()) - IdempotentAnswer.KEEP
    deleted, _counts = IdempotentAnswer.objects.filter(created_at__lt=cutoff).delete()
    return deleted
