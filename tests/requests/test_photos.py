"""Photos: checked by content, stored without metadata, seen by the ward's staff and the requester only."""

import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from machi.core.errors import Conflict, NotAllowed, Refused
from machi.requests import actions
from machi.requests.actions import photos as photo_actions
from machi.requests.models import Photo, Request, RequestCounter

from .conftest import CITY_HALL, TUESDAY

pytestmark = pytest.mark.django_db

GPS = 0x8825  # the EXIF GPS IFD
ORIENTATION = 0x0112


def jpeg_with_gps(size=(64, 32), orientation: int | None = None) -> bytes:
    """A JPEG as a phone writes it: camera, GPS position (熊本市役所) and maybe an orientation in EXIF."""
    image = Image.new("RGB", size, (200, 40, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 12"  # Model
    exif.get_ifd(GPS).update({1: "N", 2: (32.0, 48.0, 11.0), 3: "E", 4: (130.0, 42.0, 28.0)})
    if orientation:
        exif[ORIENTATION] = orientation
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes(), comment=b"taken at home")
    return out.getvalue()


def png(size=(40, 30), mode="RGBA") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (10, 120, 200, 128) if mode == "RGBA" else (10, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def upload(content: bytes, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def submit(actor, category, **fields):
    values = {"description": "歩道の段差が壊れています", "latitude": CITY_HALL[0], "longitude": CITY_HALL[1]}
    return actions.submit_request(actor=actor, category=category, now=TUESDAY, **(values | fields))


def test_a_phones_jpeg_is_stored_without_its_gps_or_camera(road, people):
    [alice] = people(1)
    source = jpeg_with_gps()
    assert Image.open(io.BytesIO(source)).getexif().get_ifd(GPS)[1] == "N"  # the file carries a position
    request = submit(alice, road, photos=[upload(source)])
    [photo] = request.photos.all()
    stored = bytes(photo.content)
    assert b"PhoneMaker" not in stored and b"taken at home" not in stored
    image = Image.open(io.BytesIO(stored))
    assert image.format == "JPEG"
    assert not image.getexif()
    assert not {"exif", "xmp", "icc_profile", "comment"} & set(image.info)
    assert (photo.content_type, photo.width, photo.height) == ("image/jpeg", 64, 32)
    assert photo.size == len(stored)
    assert photo.sha256 == hashlib.sha256(stored).hexdigest()
    assert photo.uploaded_by == alice


def test_the_exif_orientation_is_applied_before_it_is_dropped(road, people):
    [alice] = people(1)
    request = submit(alice, road, photos=[upload(jpeg_with_gps(size=(64, 32), orientation=6))])
    photo = request.photos.get()
    assert (photo.width, photo.height) == (32, 64)  # turned upright, as the phone showed it
    assert not Image.open(io.BytesIO(bytes(photo.content))).getexif()


def test_a_png_keeps_its_format_and_transparency(road, people):
    [alice] = people(1)
    request = submit(alice, road, photos=[upload(png(), "map.png", "image/png")])
    photo = request.photos.get()
    image = Image.open(io.BytesIO(bytes(photo.content)))
    assert (photo.content_type, image.format, image.mode) == ("image/png", "PNG", "RGBA")


def test_a_large_photo_is_scaled_to_2048_on_its_long_side(road, people):
    [alice] = people(1)
    photo = actions.add_photos(
        actor=alice, request=submit(alice, road), files=[upload(jpeg_with_gps(size=(3000, 1000)))]
    )[0]
    assert (photo.width, photo.height) == (2048, 683)


def test_a_webp_is_accepted(road, people):
    [alice] = people(1)
    out = io.BytesIO()
    Image.new("RGB", (20, 20), "green").save(out, format="WEBP")
    photo = actions.add_photos(
        actor=alice, request=submit(alice, road), files=[upload(out.getvalue(), "a.webp", "image/webp")]
    )[0]
    assert photo.content_type == "image/webp"


@pytest.mark.parametrize(
    ("content", "name", "code", "message"),
    [
        (b"This is not a photo.\n" * 10, "note.jpg", "requests.photo_type", "JPEG・PNG・WebP"),
        (jpeg_with_gps()[:300], "cut.jpg", "requests.photo_type", "JPEG・PNG・WebP"),
        (b"GIF89a" + b"\x00" * 40, "anim.gif", "requests.photo_type", "JPEG・PNG・WebP"),
        (b"", "empty.jpg", "requests.photo_empty", "空です"),
    ],
    ids=["text-renamed-jpg", "truncated-jpeg", "gif", "empty"],
)
def test_a_file_that_is_not_a_usable_image_refuses_the_whole_submission(
    road, people, content, name, code, message
):
    [alice] = people(1)
    with pytest.raises(Refused) as refused:
        submit(alice, road, photos=[upload(png(), "ok.png"), upload(content, name)])
    assert refused.value.code == code
    assert message in refused.value.messages[0]
    assert not Request.objects.exists() and not Photo.objects.exists()
    assert not RequestCounter.objects.filter(last__gt=0).exists()  # no number taken either


def test_a_file_over_10_mb_is_refused_before_it_is_decoded(road, people, monkeypatch):
    [alice] = people(1)
    opened = []
    monkeypatch.setattr(photo_actions, "_open", lambda *args: opened.append(args))
    big = upload(b"\xff\xd8" + b"\x00" * (10 * 1024 * 1024 - 1), "big.jpg")  # 10 MB + 1 byte
    with pytest.raises(Refused) as refused:
        submit(alice, road, photos=[big])
    assert refused.value.code == "requests.photo_size"
    assert "10MB" in refused.value.messages[0]
    assert opened == [] and not Request.objects.exists()


def test_a_decompression_bomb_is_refused(road, people):
    [alice] = people(1)
    out = io.BytesIO()
    Image.new("1", (9000, 9000)).save(out, format="PNG")  # 81 megapixels in a few kilobytes
    with pytest.raises(Refused) as refused:
        submit(alice, road, photos=[upload(out.getvalue(), "bomb.png")])
    assert refused.value.code == "requests.photo_pixels"
    assert not Request.objects.exists()


def test_at_most_three_photos_per_request(road, people):
    [alice] = people(1)
    request = submit(alice, road, photos=[upload(png()) for _ in range(2)])
    actions.add_photos(actor=alice, request=request, files=[upload(png())])
    with pytest.raises(Refused) as refused:
        actions.add_photos(actor=alice, request=request, files=[upload(png())])
    assert refused.value.code == "requests.photo_count"
    with pytest.raises(Refused):
        submit(alice, road, photos=[upload(png()) for _ in range(4)])
    assert request.photos.count() == 3 and Request.objects.count() == 1


def test_the_requester_while_open_and_the_wards_staff_may_add(road, people, staff, higashi, ward_staff):
    alice, bob = people(2)
    request = submit(alice, road)
    with pytest.raises(NotAllowed):
        actions.add_photos(actor=bob, request=request, files=[upload(png())])
    with pytest.raises(NotAllowed):
        actions.add_photos(actor=ward_staff("east", higashi), request=request, files=[upload(png())])
    actions.withdraw(actor=alice, request=request)
    with pytest.raises(Conflict):
        actions.add_photos(actor=alice, request=request, files=[upload(png())])
    [photo] = actions.add_photos(actor=staff, request=request, files=[upload(png())])
    assert photo.uploaded_by == staff


def test_the_photo_is_shown_to_the_requester_and_the_wards_staff_only(
    client, road, people, staff, higashi, ward_staff
):
    alice, bob = people(2)
    [photo] = submit(alice, road, photos=[upload(jpeg_with_gps())]).photos.all()
    url = reverse("requests:photo", args=[photo.pk])
    assert url == f"/requests/photos/{photo.pk}/"
    for viewer in (alice, staff):
        client.force_login(viewer)
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert response["Cache-Control"] == "private, no-store"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response.content == bytes(photo.content)
    for viewer in (bob, ward_staff("east", higashi)):
        client.force_login(viewer)
        assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 404
    assert client.get(reverse("requests:photo", args=[photo.pk + 99])).status_code == 404
