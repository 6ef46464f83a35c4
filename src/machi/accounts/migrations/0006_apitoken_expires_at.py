"""Personal API tokens expire: each gets an expiry; tokens made before this get the usual term from today."""

import datetime as dt

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone


def give_existing_tokens_a_term(apps, schema_editor):
    # From the upgrade, not from their creation: a script using an old token is not cut off without warning.
    expires = timezone.now() + dt.timedelta(days=settings.MACHI_TOKEN_DAYS)
    apps.get_model("accounts", "ApiToken").objects.filter(expires_at__isnull=True).update(expires_at=expires)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_user_home_ward")]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(null=True, verbose_name="有効期限"),
        ),
        migrations.RunPython(give_existing_tokens_a_term, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(verbose_name="有効期限"),
        ),
    ]
