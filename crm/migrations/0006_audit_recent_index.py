"""An index for a user's latest audit entries of one action (the workbench's recently
opened customers). Only an index is added: the append-only triggers of 0002 and 0004 stay."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("crm", "0005_fact_partition_functions")]

    operations = [
        migrations.AddIndex(
            model_name="auditentry",
            index=models.Index(fields=["actor", "action", "-at"], name="audit_actor_recent_idx"),
        ),
    ]
