"""A new address waits for its check before it replaces the old one (User.pending_email)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("accounts", "0007_group_name_key")]

    operations = [
        migrations.AddField(
            model_name="user",
            name="pending_email",
            field=models.EmailField(
                blank=True, max_length=254, verbose_name="確認待ちの新しいメールアドレス"
            ),
        ),
    ]
