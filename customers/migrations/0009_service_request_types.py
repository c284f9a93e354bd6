"""The service request types a brokerage starts with; admins change them and their SLAs."""

from django.db import migrations

TYPES = (
    ("enquiry", "业务咨询", 24, False),
    ("complaint", "客户投诉", 48, True),
    ("account-change", "账户资料变更", 72, False),
    ("funds", "资金存取问题", 24, False),
    ("trading-system", "交易系统故障", 8, False),
    ("other", "其他", 120, False),
)


def create(apps, schema_editor):
    model = apps.get_model("customers", "ServiceRequestType")
    for code, name, hours, complaint in TYPES:
        model.objects.get_or_create(
            code=code, defaults={"name": name, "sla_hours": hours, "is_complaint": complaint}
        )


class Migration(migrations.Migration):
    dependencies = [("customers", "0008_relationship_and_lists")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
