"""A held block keeps its times: rows from before take their block's (0006 then guards them)."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_block_times(apps, schema_editor):
    ReservationBlock = apps.get_model("facilities", "ReservationBlock")
    TimeBlock = apps.get_model("facilities", "TimeBlock")
    block = TimeBlock.objects.filter(pk=OuterRef("block_id"))
    ReservationBlock.objects.update(
        starts_at=Subquery(block.values("starts_at")), ends_at=Subquery(block.values("ends_at"))
    )


class Migration(migrations.Migration):
    dependencies = [
        ("facilities", "0004_draw_log_is_a_record"),
    ]

    operations = [
        migrations.AddField(
            model_name="reservationblock", name="starts_at", field=models.TimeField(null=True)
        ),
        migrations.AddField(model_name="reservationblock", name="ends_at", field=models.TimeField(null=True)),
        migrations.RunPython(copy_block_times, migrations.RunPython.noop),
    ]
