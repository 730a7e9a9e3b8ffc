"""Nothing any more: this migration used to create the screening inbox's indexes with raw SQL.

The two plain indexes are now ``Proposal.Meta.indexes`` (proposals 0004) and the trigram
indexes are made by screening 0003. Both create only the indexes a database lacks, so databases
that ran the old version of this migration keep theirs and new ones get the same set.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("screening", "0001_initial"),
        ("proposals", "0001_initial"),
        ("directory", "0001_initial"),
    ]

    operations = []
