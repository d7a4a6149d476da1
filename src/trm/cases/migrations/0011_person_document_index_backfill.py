"""Give the persons recorded before migration 0009 their document-number blind index.

0009 added Person.document_index and the detection verbs fill it for new and corrected persons;
persons recorded earlier kept an empty one, so the duplicate warning at detection could not find
them by their document number. The documents are encrypted, so every person is read (two columns,
in chunks) and only those whose index differs are written: a missing index is filled, and the
index of a person whose documents were erased (which erasure left behind) is emptied.
"""

from django.db import migrations

from trm.lib.encrypted import blind_index

# The same purpose and normalisation as trm.cases.casework.document_key (a test holds them equal);
# written out here so that this migration keeps computing what it computed when it was written.
DOCUMENT_PURPOSE = "cases.person.document"
CHUNK = 2000


def document_key(documents):
    for doc in documents or ():
        number = "".join(ch for ch in str(doc.get("number", "")) if ch.isalnum())
        if number:
            return blind_index(number, purpose=DOCUMENT_PURPOSE)
    return ""


def backfill(apps, schema_editor):
    Person = apps.get_model("cases", "Person")
    last = 0
    while True:
        # Keyset pages, not one open cursor: the rows read are updated on the way (SQLite too).
        chunk = list(Person.objects.filter(pk__gt=last).only("pk", "documents", "document_index").order_by("pk")[:CHUNK])
        if not chunk:
            return
        last = chunk[-1].pk
        changed = []
        for person in chunk:
            key = document_key(person.documents)
            if key != person.document_index:
                person.document_index = key
                changed.append(person)
        if changed:
            Person.objects.bulk_update(changed, ["document_index"])


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0010_deadline_kinds"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True)]
