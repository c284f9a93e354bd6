"""Gives the demo the segments a brokerage's head office would define first (used by
`make demo`), evaluated as the nightly step would have over the last weeks, so that their
pages show a history: who joined and left, and the size over time. A static list is frozen
from one of them. Safe to run again: a segment that exists (by name) keeps its rule.
"""

import datetime

from django.db.models import Max
from django.utils.translation import gettext

from analytics.models import CustomerDay
from crm.commands import CrmCommand
from marketing.models import EvaluationTrigger, Segment
from marketing.segments.context import rule_context
from marketing.services.segment_lists import segment_snapshot
from marketing.services.segments import segment_evaluate


def condition(field, op, value=None, **args):
    return {"field": field, "op": op, "value": value, "args": args}


def every(*rules, negated=False):
    return {"group": "and", "not": negated, "rules": list(rules)}


def either(*rules, negated=False):
    return {"group": "or", "not": negated, "rules": list(rules)}


RICH = "高净值客户"
# name: (description, rule); a rule may name an earlier segment by its name ({"segment": …}).
SEGMENTS = {
    RICH: (
        "总资产100万元及以上的正常户",
        every(condition("total_assets", "gte", "1000000"), condition("status", "eq", "0")),
    ),
    "闲置资金客户": (
        "现金10万元以上、20天以上未交易，适合推荐现金管理与固收产品",
        every(condition("cash", "gte", "100000"), condition("days_since_trade", "gte", 20)),
    ),
    "茅台持有人": (
        "持有贵州茅台（600519）的客户",
        every(condition("holds_security", "contains", "600519")),
    ),
    "银行股持仓5万以上": (
        "银行行业持仓市值5万元及以上",
        every(condition("industry_value", "gte", "50000", industry="银行")),
    ),
    "近30天资金净流出": (
        "最近30天净流出超过5万元，需回访了解原因",
        every(condition("net_inflow", "lt", "-50000", window="days", days=30)),
    ),
    "风险测评即将到期": (
        "风险测评在未来30天内到期，需提醒客户重新测评",
        every(condition("risk_expires_on", "next_days", 30)),
    ),
    "高净值久未联系": (
        "高净值客户中60天以上未联系、且同意营销的",
        every(
            {"segment": RICH},
            condition("days_since_contact", "gte", 60),
            condition("marketing_consent", "eq", True),
        ),
    ),
    "积极型中青年客户": (
        "C4及以上、25至45岁、本月有交易的个人客户",
        every(
            condition("risk_level", "in", ["C4", "C5"]),
            condition("age", "between", [25, 45]),
            condition("cust_type", "eq", "0"),
            either(
                condition("trade_count", "gt", 0, window="month"),
                condition("turnover", "gte", "0.5", window="month"),
            ),
        ),
    ),
    "微信联系的资深投资者": (
        "偏好微信联系、投资经验10年以上的客户（自定义字段）",
        every(
            condition("custom.contact_preference", "eq", "wechat"),
            condition("custom.experience_years", "gte", 10),
        ),
    ),
}
STATIC = "重点维护名单（快照）"
WEEKS_OF_HISTORY = 8


class Command(CrmCommand):
    help = "Create the demo's segments and evaluate them over the last weeks."

    def handle(self, *args, **options):
        latest = CustomerDay.objects.aggregate(day=Max("business_date"))["day"]
        if latest is None:
            self.stdout.write(gettext("No metrics yet: run compute_metrics first."))
            return
        created = [self._segment(name, *spec) for name, spec in SEGMENTS.items()]
        segments = [segment for segment, _new in created]
        # New segments get their weeks of history; those already there only today's
        # evaluation, so that running again never writes history out of order.
        days = [latest - datetime.timedelta(weeks=w) for w in range(WEEKS_OF_HISTORY, -1, -1)]
        for day in days:
            context = rule_context(today=day)
            for segment, new in created:
                if new or day == latest:
                    segment_evaluate(segment, trigger=EvaluationTrigger.NIGHTLY, context=context)
        self._snapshot(segments[0], latest)
        self.stdout.write(
            gettext("Demo segments: %(count)s evaluated over %(days)s days.")
            % {"count": len(segments), "days": len(days)}
        )

    def _segment(self, name, description, rule):
        return Segment.objects.get_or_create(
            name=name, defaults={"description": description, "rule": self._named(rule)}
        )

    def _named(self, rule):
        """The rule with segments named by their ids."""
        if "rules" in rule:
            return {**rule, "rules": [self._named(child) for child in rule["rules"]]}
        if "segment" in rule:
            return {"segment": Segment.objects.get(name=rule["segment"]).pk, "not": False}
        return rule

    def _snapshot(self, source, day):
        if not Segment.objects.filter(name=STATIC).exists():
            segment_snapshot(source=source, on=day, name=STATIC)
