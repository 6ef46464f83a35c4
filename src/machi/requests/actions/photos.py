"""Photos of a request: checked by their content, stored without metadata.

A photo is refused before it is decoded when it is over 10 MB; then Pillow must recognise it as JPEG,
PNG or WebP by its bytes (not its name or the browser's content type), `verify()` it, and decode it
whole (a truncated file fails here), under a pixel limit that stops decompression bombs. What is
stored is a fresh image made from the pixels alone — turned upright by its EXIF orientation first,
scaled down to 2,048 px on the long side — and encoded again, so no EXIF (GPS, camera, time), XMP,
ICC profile, comment or thumbnail survives. Its sha256 is of the stored bytes.

`prepare_photos` does the checking and encoding and writes nothing, so `submit_request` runs it
before it takes the ward's next number (the counter's lock is not held while images decode).
"""

import hashlib
import io
import warnings
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from machi.accounts.actors import SystemActor, actor_user
from machi.accounts.scope import can_manage_ward
from machi.audit.actions import record
from machi.core.errors import Conflict, NotAllowed, Refused
from machi.requests.models import Photo, Request

MAX_BYTES = 10 * 1024 * 1024
MAX_SIDE = 2048
# A phone's photo is 12–50 megapixels; more than this is refused before the pixels are decoded.
MAX_PIXELS = 64_000_000
# Pillow's format name → what is stored and served, with the options it is encoded again with.
FORMATS = {
    "JPEG": ("image/jpeg", {"quality": 85, "optimize": True}),
    "PNG": ("image/png", {"optimize": True}),
    "WEBP": ("image/webp", {"quality": 85}),
}


@dataclass(frozen=True)
class PreparedPhoto:
    content: bytes
    content_type: str
    width: int
    height: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def _name(file) -> str:
    return getattr(file, "name", "") or _("写真")


def _read(file) -> bytes:
    size = getattr(file, "size", None)
    if size is not None and size > MAX_BYTES:
        raise Refused(_too_big(file), code="requests.photo_size")
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise Refused(_too_big(file), code="requests.photo_size")
    if not data:
        raise Refused(_("写真「%(name)s」が空です") % {"name": _name(file)}, code="requests.photo_empty")
    return data


def _too_big(file) -> str:
    return _("写真「%(name)s」が大きすぎます。1枚%(mb)sMBまでにしてください") % {
        "name": _name(file),
        "mb": MAX_BYTES // (1024 * 1024),
    }


def _not_an_image(file) -> Refused:
    return Refused(
        _("写真は JPEG・PNG・WebP の画像にしてください（「%(name)s」は読み取れません）")
        % {"name": _name(file)},
        code="requests.photo_type",
    )


def _open(data: bytes, file) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data), formats=list(FORMATS))
    except UnidentifiedImageError:
        raise _not_an_image(file) from None
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise Refused(
            _("写真「%(name)s」の画素数が多すぎます（%(width)s×%(height)s）")
            % {"name": _name(file), "width": width, "height": height},
            code="requests.photo_pixels",
        )
    return image


def prepare_photo(file) -> PreparedPhoto:
    """One uploaded file checked and encoded again without metadata; refused with a Japanese message."""
    data = _read(file)
    with warnings.catch_warnings():
        # Pillow only warns between its limit and twice it; any bomb is an error here.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            _open(data, file).verify()
            image = _open(data, file)
            kind = "JPEG" if image.format == "MPO" else image.format  # a phone's JPEG with its MPF
            image.load()
            upright = ImageOps.exif_transpose(image)
        except Refused:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise Refused(
                _("写真「%(name)s」の画素数が多すぎます") % {"name": _name(file)},
                code="requests.photo_pixels",
            ) from None
        except (OSError, SyntaxError, ValueError, EOFError):
            # Truncated or damaged data, or an image Pillow cannot decode.
            raise _not_an_image(file) from None
    content_type, options = FORMATS[kind]
    mode = _mode(upright, kind)
    upright = upright.convert(mode) if upright.mode != mode else upright
    upright.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    # The pixels alone, in a new image: nothing of the file's info (EXIF, XMP, ICC, text) comes along.
    clean = Image.frombytes(upright.mode, upright.size, upright.tobytes())
    out = io.BytesIO()
    clean.save(out, format=kind, **options)
    return PreparedPhoto(
        content=out.getvalue(), content_type=content_type, width=clean.width, height=clean.height
    )


def _mode(image: Image.Image, kind: str) -> str:
    if kind == "JPEG":
        return "L" if image.mode in ("L", "1") else "RGB"
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    return "RGBA" if has_alpha else "RGB"


def prepare_photos(files, *, already: int = 0) -> list[PreparedPhoto]:
    files = [file for file in files or () if file]
    if already + len(files) > Photo.MAX_PER_REQUEST:
        raise Refused(
            _("写真は1件の課題につき%(max)s枚までです（既に%(already)s枚）")
            % {"max": Photo.MAX_PER_REQUEST, "already": already},
            code="requests.photo_count",
        )
    return [prepare_photo(file) for file in files]


def store_photos(*, actor, request: Request, prepared: list[PreparedPhoto]) -> list[Photo]:
    """Write photos already prepared (inside the caller's transaction) and record them in the audit log."""
    photos = [
        Photo.objects.create(
            request=request,
            content=photo.content,
            content_type=photo.content_type,
            width=photo.width,
            height=photo.height,
            size=len(photo.content),
            sha256=photo.sha256,
            uploaded_by=actor_user(actor),
        )
        for photo in prepared
    ]
    if photos:
        record(
            actor=actor,
            action="requests.add_photos",
            obj=request,
            before=None,
            after={"photos": [{"id": p.pk, "sha256": p.sha256, "size": p.size} for p in photos]},
        )
    return photos


def may_add_photos(actor, request: Request) -> bool:
    """The requester while the request is open; the ward's staff at any time; the command line."""
    if isinstance(actor, SystemActor):
        return True
    if actor is None or not actor.is_authenticated:
        return False
    if can_manage_ward(actor, request.ward_id):
        return True
    return request.requester_id == actor.pk and request.is_open


@transaction.atomic
def add_photos(*, actor, request: Request, files) -> list[Photo]:
    """Add up to three photos to a request (all or none)."""
    request = Request.objects.select_for_update().select_related("ward").get(pk=request.pk)
    if not may_add_photos(actor, request):
        if request.requester_id is not None and request.requester_id == getattr(actor, "pk", None):
            raise Conflict(_("対応を終えた課題には写真を追加できません"), code="requests.closed")
        raise NotAllowed(_("この課題に写真を追加する権限がありません"), code="requests.photo_scope")
    if request.erased_at is not None:
        raise Conflict(_("この課題の内容は消去済みです"), code="requests.erased")
    prepared = prepare_photos(files, already=request.photos.count())
    return store_photos(actor=actor, request=request, prepared=prepared)
