"""Group names compared on their look-alike key (machi.core.text.lookalike_key), unique per ward in the database."""

from django.db import migrations, models

from machi.core.text import lookalike_key


def key_existing_groups(apps, schema_editor):
    """Each group's key; where two groups already registered share one, the later keeps its own.

    The later one's key is suffixed with its id so that the constraint can hold; staff can then
    rename or decline it. Declined groups hold no name and need no suffix.
    """
    Group = apps.get_model("accounts", "CommunityGroup")
    held = set()
    for group in Group.objects.order_by("pk"):
        key = lookalike_key(group.name)
        if group.status != "declined":
            if (group.ward_id, key) in held:
                key = f"{key}\t#{group.pk}"
            held.add((group.ward_id, key))
        Group.objects.filter(pk=group.pk).update(name_key=key)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0006_apitoken_expires_at")]

    operations = [
        migrations.AddField(
            model_name="communitygroup",
            name="name_key",
            field=models.CharField(default="", editable=False, max_length=400),
            preserve_default=False,
        ),
        migrations.RunPython(key_existing_groups, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="communitygroup", name="group_name_unique_in_ward"),
        migrations.AddConstraint(
            model_name="communitygroup",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "declined"), _negated=True),
                fields=("ward", "name_key"),
                name="group_name_key_unique_in_ward",
                violation_error_message="この区には同じ名前の団体がすでに登録されています",
            ),
        ),
    ]
