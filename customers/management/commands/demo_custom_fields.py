"""Gives the demo the custom fields a branch would add first (used by `make demo`): how the
customer likes to be contacted, their experience, interests and the last meeting, with
values for most individual customers. The values are written set-based: customers fall into
cohorts by their id, and each cohort gets its values in one UPDATE. Safe to run again: the
definitions are kept by key and the values written again.
"""

import datetime

from django.db.models import F, IntegerField
from django.db.models.functions import Mod
from django.utils import timezone
from django.utils.translation import gettext

from crm.commands import CrmCommand
from customers.custom_fields import custom_value_store
from customers.models import Customer, CustomField

CONTACT = [("phone", "电话"), ("wechat", "微信"), ("sms", "短信"), ("visit", "面谈")]
INTERESTS = [
    ("fund_plan", "基金定投"),
    ("star_market", "科创板"),
    ("hk_connect", "港股通"),
    ("bonds", "债券"),
    ("seminars", "投资讲座"),
]
FIELDS = (
    {"key": "contact_preference", "label": "偏好联系方式", "kind": "choice",
     "group": "服务偏好", "order": 1, "applies_to": "0",
     "choices": [{"value": value, "label": label} for value, label in CONTACT]},
    {"key": "interests", "label": "兴趣标签", "kind": "multi_choice", "group": "服务偏好",
     "order": 2, "choices": [{"value": value, "label": label} for value, label in INTERESTS]},
    {"key": "experience_years", "label": "投资经验（年）", "kind": "integer",
     "group": "投资背景", "order": 1, "min_value": "0", "max_value": "60"},
    {"key": "household", "label": "家庭人数", "kind": "integer", "group": "投资背景",
     "order": 2, "min_value": "1", "max_value": "20", "applies_to": "0"},
    {"key": "last_meeting", "label": "上次面谈日期", "kind": "date", "group": "服务偏好",
     "order": 3},
    {"key": "vip_card", "label": "持有贵宾服务卡", "kind": "boolean", "group": "服务偏好",
     "order": 4},
)  # fmt: skip
COHORTS = 12  # customers by id modulo this; cohort 0 has no values (not everyone answers)


def cohort_values(cohort: int, fields: dict[str, CustomField], today: datetime.date) -> dict:
    """The values a cohort's customers get, varied by the cohort's number."""
    picks = {cohort % len(INTERESTS)} | ({(cohort + 2) % len(INTERESTS)} if cohort % 2 else set())
    values = {
        "contact_preference": CONTACT[cohort % len(CONTACT)][0],
        # One interest, or two for odd cohorts, in the order the field lists its choices.
        "interests": [value for index, (value, _label) in enumerate(INTERESTS) if index in picks],
        "experience_years": (cohort * 3) % 25,
        "household": 1 + cohort % 5,
        "last_meeting": today - datetime.timedelta(days=20 * cohort),
        "vip_card": cohort % 4 == 1,
    }
    return {key: custom_value_store(fields[key], value) for key, value in values.items()}


class Command(CrmCommand):
    help = "Define the demo's custom fields and give most customers values."

    def handle(self, *args, **options):
        fields = {
            spec["key"]: CustomField.objects.update_or_create(
                key=spec["key"], defaults={key: v for key, v in spec.items() if key != "key"}
            )[0]
            for spec in FIELDS
        }
        today = timezone.localdate()
        customers = Customer.objects.filter(cust_type="0").annotate(
            cohort=Mod(F("id"), COHORTS, output_field=IntegerField())
        )
        written = 0
        for cohort in range(1, COHORTS):
            values = cohort_values(cohort, fields, today)
            written += customers.filter(cohort=cohort).update(custom_fields=values)
        self.stdout.write(
            gettext("Demo custom fields: %(fields)s fields, values for %(customers)s customers.")
            % {"fields": len(fields), "customers": written}
        )
