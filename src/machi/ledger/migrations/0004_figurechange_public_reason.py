"""FigureChange.public_reason: what the public sees of a change's reason (the reason itself is for staff).

Existing rows get the label their reason's fixed prefix says (the grants' postings and the
imports wrote one); the rest stay empty and are shown with the stage's generic label. Filling a
new column of the append-only history is not a change of what it recorded.
"""

import re

from django.db import migrations, models

GRANT_POSTINGS = {"補助金の支払い: ": "補助金の支払い", "補助金の返還: ": "補助金の返還"}
NUMBER = re.compile(r"（申請番号 ([^）\s]+)）")


def fill_public_reasons(apps, schema_editor):
    FigureChange = apps.get_model("ledger", "FigureChange")
    FigureChange.objects.filter(reason__startswith="取込: ").update(public_reason="取込")
    for prefix, label in GRANT_POSTINGS.items():
        for pk, reason in FigureChange.objects.filter(reason__startswith=prefix).values_list("pk", "reason"):
            number = NUMBER.search(reason)
            public = f"{label}（申請番号 {number.group(1)}）" if number else label
            FigureChange.objects.filter(pk=pk).update(public_reason=public)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0003_budget_shortfall")]

    operations = [
        migrations.AddField(
            model_name="figurechange",
            name="public_reason",
            field=models.CharField(blank=True, max_length=200, verbose_name="公開する理由"),
        ),
        migrations.RunPython(fill_public_reasons, migrations.RunPython.noop),
    ]
