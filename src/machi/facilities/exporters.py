"""Centres out as the 公共施設一覧 CSV, and their rooms as the rooms CSV; both re-import exactly.

UTF-8 with a BOM (so Excel opens it as UTF-8), CRLF line ends, the standard's 24
columns in order, then Machi's extra columns (校区, the ledger project, 減免).
A text that starts with = + - @ gets a leading "'" so a spreadsheet shows it instead
of running it; the importer takes the "'" off again.
"""

import csv
import io

from django.db.models import Prefetch

from machi.core.importing import escape_formula
from machi.core.lgcode import prefecture_name
from machi.facilities.importers import (
    CENTRE_COLUMNS,
    EXEMPTION_COLUMNS,
    ROOM_COLUMNS,
    format_closure_notes,
    format_weekdays,
)
from machi.facilities.models import Centre, FeeExemption, Room


def centres_for_export(ward=None):
    """The centres in export order (ward code, kana, name), with what the rows need."""
    centres = Centre.objects.select_related("ward", "project__programme").prefetch_related(
        Prefetch("exemptions", queryset=FeeExemption.objects.order_by("group_kind"))
    )
    if ward is not None:
        centres = centres.filter(ward=ward)
    return centres.order_by("ward__code", "name_kana", "name", "pk")


def export_centres(stream, *, ward=None, centres=None) -> int:
    """Write the centres (one ward's, or all) to a binary stream; returns the number of rows."""
    centres = centres_for_export(ward) if centres is None else centres
    with _csv_writer(stream) as writer:
        writer.writerow(CENTRE_COLUMNS)
        count = 0
        for centre in centres:
            writer.writerow(centre_row(centre))
            count += 1
    return count


def export_rooms(stream, *, ward=None, centres=None) -> int:
    centres = centres_for_export(ward) if centres is None else centres
    rooms = Room.objects.filter(centre__in=[c.pk for c in centres]).select_related("centre__ward")
    rooms = sorted(
        rooms, key=lambda r: (r.centre.ward.code, r.centre.name_kana, r.centre.name, r.position, r.pk)
    )
    with _csv_writer(stream) as writer:
        writer.writerow(ROOM_COLUMNS)
        for room in rooms:
            writer.writerow(
                [
                    room.centre.ward.name,
                    _text(room.centre.name),
                    _text(room.name),
                    room.capacity,
                    _text(room.equipment),
                    room.fee_per_block_yen,
                    "はい" if room.requires_approval else "いいえ",
                    room.max_blocks_per_booking,
                ]
            )
    return len(rooms)


def centre_row(centre: Centre) -> list:
    ward = centre.ward
    project = centre.project
    exemptions = {e.group_kind: e.percent for e in centre.exemptions.all()}
    return [
        ward.code,
        centre.pk,
        prefecture_name(ward.code),
        f"{ward.city_name}{ward.name}",
        _text(centre.name),
        _text(centre.name_kana),
        _text(centre.name_common),
        "",  # POIコード: not kept
        _text(centre.address),
        _text(centre.address_extra),
        _decimal(centre.latitude),
        _decimal(centre.longitude),
        _text(centre.phone),
        _text(centre.extension),
        centre.corporate_number,
        _text(centre.operator),
        format_weekdays(centre.open_weekdays),
        f"{centre.opens_at:%H:%M}",
        f"{centre.closes_at:%H:%M}",
        format_closure_notes(centre),
        _text(centre.description),
        _text(centre.barrier_free),
        centre.url,
        _text(centre.notes),
        _text(centre.school_district),
        project.programme.fiscal_year if project else "",
        project.no if project and project.no is not None else "",
        *(exemptions.get(kind, "") for kind in EXEMPTION_COLUMNS.values()),
    ]


def _text(value: str) -> str:
    return escape_formula(value or "")


def _decimal(value) -> str:
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return text if "." not in text else text.rstrip("0").rstrip(".")


class _csv_writer:
    """A csv.writer over a binary stream: UTF-8 with BOM, CRLF; detaches so the stream stays open."""

    def __init__(self, stream):
        self.text = io.TextIOWrapper(stream, encoding="utf-8", newline="", write_through=True)

    def __enter__(self):
        self.text.write("\ufeff")
        return csv.writer(self.text, lineterminator="\r\n")

    def __exit__(self, *exc):
        self.text.flush()
        self.text.detach()
        return False
