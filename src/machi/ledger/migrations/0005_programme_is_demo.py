from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0004_figurechange_public_reason"),
    ]

    operations = [
        migrations.AddField(
            model_name="programme",
            name="is_demo",
            field=models.BooleanField(
                default=False,
                help_text="デモ用に作った年度計画（実際の予算ではない）",
                verbose_name="デモ用のデータ",
            ),
        ),
    ]
