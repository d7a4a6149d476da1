"""Fill InboxMessage.created from each stored envelope (its signed ``created``)."""

from datetime import UTC, datetime

from django.db import migrations


def fill(apps, schema_editor):
    InboxMessage = apps.get_model("exchange", "InboxMessage")
    for row in InboxMessage.objects.filter(created__isnull=True).iterator():
        created = datetime.strptime(row.envelope["created"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        InboxMessage.objects.filter(pk=row.pk).update(created=created)


class Migration(migrations.Migration):

    dependencies = [
        ("exchange", "0004_inboxmessage_created"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
