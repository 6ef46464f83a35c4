"""Newest first: Open311's GET requests and the public list read a page off this index (the benchmark's
1,000 of 50,000) instead of sorting every request."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("requests", "0002_expenditures_photos_attributes")]

    operations = [
        migrations.AddIndex(
            model_name="request",
            index=models.Index(fields=["created_at", "id"], name="requests_newest_first"),
        ),
    ]
