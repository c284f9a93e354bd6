"""The tiers a brokerage starts with, highest first; admins retune them while the CRM runs.
Thresholds are on the month's daily average assets or the contribution of the last twelve
months (either suffices), in yuan; the floor (普通) has none."""

from decimal import Decimal

from django.db import migrations

# code, name, rank, assets at least, contribution at least, months below before downgrading,
# contact at least every (days), review every (days)
TIERS = (
    ("diamond", "钻石", 1, "10000000", "100000", 3, 30, 90),
    ("platinum", "白金", 2, "3000000", "30000", 3, 30, 180),
    ("gold", "金卡", 3, "1000000", "10000", 3, 60, None),
    ("wealth", "财富", 4, "300000", "3000", 3, 90, None),
    ("ordinary", "普通", 5, None, None, 1, None, None),
)


def create(apps, schema_editor):
    """Creates the tiers missing (by code); an admin's edits to the others stay."""
    model = apps.get_model("marketing", "Tier")
    taken = set(model.objects.values_list("rank", flat=True))
    for code, name, rank, assets, contribution, months, contact, review in TIERS:
        if model.objects.filter(code=code).exists() or rank in taken:
            continue
        model.objects.create(
            code=code,
            name=name,
            rank=rank,
            min_average_assets=Decimal(assets) if assets else None,
            min_contribution=Decimal(contribution) if contribution else None,
            combine="any",
            downgrade_after_months=months,
            contact_every_days=contact,
            review_every_days=review,
        )


class Migration(migrations.Migration):
    dependencies = [("marketing", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
