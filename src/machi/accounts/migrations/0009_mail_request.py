"""Counts of the mails the account pages send on request (accounts.mail_limits)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_user_pending_email"),
    ]

    operations = [
        migrations.CreateModel(
            name="MailRequest",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.CharField(max_length=64)),
                ("at", models.DateTimeField()),
            ],
            options={
                "indexes": [
                    models.Index(fields=["key", "at"], name="mail_request_key_at"),
                    models.Index(fields=["at"], name="mail_request_at"),
                ],
            },
        ),
    ]
