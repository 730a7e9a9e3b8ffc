# The version of a meeting's live state (state.json's ETag), issue 20.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("committee", "0006_budget_frame_and_scenarios"),
    ]

    operations = [
        migrations.AddField(
            model_name="meeting",
            name="state_version",
            field=models.PositiveBigIntegerField(default=0, verbose_name="live state version"),
        ),
    ]
