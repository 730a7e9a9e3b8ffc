# Stored fingerprints of proposals and the rounds' duplicate versions (issue 20: the live
# meeting's duplicate hints become a lookup; see proposals/fingerprints.py).

import hashlib

import django.db.models.deletion
from django.db import migrations, models

# As proposals.duplicates.FIELDS and FIELD_CHARS were when this migration was written (a later
# change of them only makes the first save of each proposal bump its round once).
COMPARED = ("title_th", "summary", "objectives", "outputs")
FIELD_CHARS = 600
COUNTED_NOT = ("draft", "withdrawn")


def fill_fingerprints(apps, schema_editor):
    """A fingerprint for every existing proposal (no hints yet: found on first view)."""
    Proposal = apps.get_model("proposals", "Proposal")
    Fingerprint = apps.get_model("proposals", "Fingerprint")
    batch = []
    rows = Proposal.objects.only("id", "round_id", "status", *COMPARED).order_by("pk")
    for proposal in rows.iterator(chunk_size=2000):
        joined = "\x1f".join((getattr(proposal, f) or "")[:FIELD_CHARS] for f in COMPARED)
        batch.append(
            Fingerprint(
                proposal_id=proposal.pk,
                round_id=proposal.round_id,
                digest=hashlib.sha256(joined.encode()).hexdigest(),
                counted=proposal.status not in COUNTED_NOT,
            )
        )
        if len(batch) >= 2000:
            Fingerprint.objects.bulk_create(batch)
            batch = []
    Fingerprint.objects.bulk_create(batch)


class Migration(migrations.Migration):

    dependencies = [
        ('proposals', '0005_continues'),
    ]

    operations = [
        migrations.CreateModel(
            name='DuplicateState',
            fields=[
                ('round', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='+', serialize=False, to='proposals.planround')),
                ('version', models.PositiveBigIntegerField(default=0)),
            ],
        ),
        migrations.CreateModel(
            name='Fingerprint',
            fields=[
                ('proposal', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='fingerprint', serialize=False, to='proposals.proposal')),
                ('digest', models.CharField(max_length=64)),
                ('counted', models.BooleanField(default=False)),
                ('hints', models.JSONField(blank=True, default=list)),
                ('hints_more', models.BooleanField(default=False)),
                ('hints_version', models.PositiveBigIntegerField(blank=True, null=True)),
                ('round', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='proposals.planround')),
            ],
        ),
        migrations.RunPython(fill_fingerprints, migrations.RunPython.noop),
    ]
