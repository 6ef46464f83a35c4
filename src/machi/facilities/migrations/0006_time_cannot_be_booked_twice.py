"""The database refuses overlapping times (see machi.facilities.time_guards).

Where earlier data already overlaps (blocks of one centre, or active bookings of one
room and day), the migration stops and lists them: staff settle those (move or cancel a
booking, change a block) before the guarantee can hold.
"""

from itertools import groupby

from django.db import migrations, models

from machi.facilities import time_guards


def _clashes(rows, key) -> list[tuple]:
    """Pairs of rows, sorted by (key, start), whose times overlap within one key."""
    found = []
    for group_key, group in groupby(rows, key=key):
        latest = None  # the row reaching furthest so far
        for row in group:
            if latest is not None and row["starts_at"] < latest["ends_at"]:
                found.append((group_key, latest, row))
            if latest is None or row["ends_at"] > latest["ends_at"]:
                latest = row
    return found


def overlaps_found(apps) -> list[str]:
    ReservationBlock = apps.get_model("facilities", "ReservationBlock")
    TimeBlock = apps.get_model("facilities", "TimeBlock")
    blocks = TimeBlock.objects.order_by("centre_id", "starts_at").values(
        "centre_id", "code", "starts_at", "ends_at"
    )
    held = (
        ReservationBlock.objects.filter(active=True)
        .order_by("room_id", "date", "starts_at")
        .values("room_id", "date", "reservation_id", "starts_at", "ends_at")
    )
    return [
        f"centre {centre}: blocks {a['code']} and {b['code']}"
        for centre, a, b in _clashes(blocks.iterator(), key=lambda row: row["centre_id"])
    ] + [
        f"room {room} on {day}: reservations {a['reservation_id']} and {b['reservation_id']}"
        for (room, day), a, b in _clashes(held.iterator(), key=lambda row: (row["room_id"], row["date"]))
    ]


def install_guards(apps, schema_editor):
    if found := overlaps_found(apps):
        raise RuntimeError(
            "Overlapping times must be settled before the database can guard them:\n  " + "\n  ".join(found)
        )
    time_guards.install(schema_editor)


def remove_guards(apps, schema_editor):
    time_guards.remove(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("facilities", "0005_held_blocks_keep_their_times"),
    ]

    operations = [
        migrations.AlterField(model_name="reservationblock", name="starts_at", field=models.TimeField()),
        migrations.AlterField(model_name="reservationblock", name="ends_at", field=models.TimeField()),
        migrations.AddConstraint(
            model_name="reservationblock",
            constraint=models.CheckConstraint(
                condition=models.Q(("starts_at__lt", models.F("ends_at"))), name="held_starts_before_end"
            ),
        ),
        migrations.RunPython(install_guards, remove_guards),
    ]
