"""Each centre's rules get a stamp the database renews on every change (see machi.facilities.centre_rules)."""

import secrets

from django.db import migrations, models

from machi.facilities import centre_rules


def install_stamps(apps, schema_editor):
    centre_rules.install(schema_editor)
    Centre = apps.get_model("facilities", "Centre")
    CentreStamp = apps.get_model("facilities", "CentreStamp")
    CentreStamp.objects.bulk_create(
        CentreStamp(centre_id=pk, stamp=secrets.token_hex(16))
        for pk in Centre.objects.values_list("pk", flat=True)
    )


def remove_stamps(apps, schema_editor):
    centre_rules.remove(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("facilities", "0007_lottery_entry_applicant_may_be_anonymised"),
    ]

    operations = [
        migrations.CreateModel(
            name="CentreStamp",
            fields=[
                ("centre_id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("stamp", models.CharField(max_length=64)),
            ],
        ),
        migrations.RunPython(install_stamps, remove_stamps),
    ]
