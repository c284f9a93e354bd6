"""Gives the demo a relationship history: contacts, follow-ups and service requests logged
through the real services for the demo broker's and manager's books (used by `make demo`).
Deterministic, and safe to run again: a book that already has contacts is left alone."""

import datetime
import random

from django.core.management.base import BaseCommand
from django.db.models import F
from django.utils import timezone

from crm.models import Staff
from customers.models import Interaction, ServiceRequestType
from customers.services.relationship import interaction_log, service_request_open

NOTES = (
    ("phone", "介绍本月新发基金，客户表示考虑", "有意向"),
    ("phone", "提醒风险测评即将到期，约定下周来营业部", "已约见"),
    ("wechat", "推送配股认购提示，客户确认参与", "确认参与"),
    ("visit", "上门拜访，沟通资产配置与仓位控制", "满意"),
    ("meeting", "参加投资策略会，关注半导体板块", "持续跟进"),
    ("sms", "发送两融维持担保比例提示", "已读"),
)
REQUESTS = (
    ("funds", "银证转账未到账，请协助查询"),
    ("account-change", "申请变更预留手机号码"),
    ("complaint", "反映交易软件行情延迟，要求说明"),
    ("enquiry", "咨询科创板权限开通条件"),
)


class Command(BaseCommand):
    help = "Log demo contacts, follow-ups and service requests for the demo logins' books."

    def handle(self, *args, **options):
        rng = random.Random(7)
        now = timezone.now()
        logged = opened = 0
        for staff in Staff.objects.filter(user__username__in=("demo-broker", "demo-manager")):
            customers = list(
                staff.customers.select_related("figures").order_by(
                    F("figures__total_assets").desc(nulls_last=True)
                )[:40]
            )
            if not customers or Interaction.objects.filter(staff=staff).exists():
                continue
            for index, customer in enumerate(customers[:25]):
                channel, content, result = NOTES[index % len(NOTES)]
                follow_up = timezone.localdate() + datetime.timedelta(days=rng.randint(0, 6))
                interaction_log(
                    customer=customer,
                    staff=staff,
                    channel=channel,
                    direction="out",
                    occurred_at=now
                    - datetime.timedelta(days=rng.randint(1, 90), hours=rng.randint(0, 8)),
                    content=content,
                    result=result,
                    follow_up_on=follow_up if index % 3 == 0 else None,
                )
                logged += 1
            for index, (code, text) in enumerate(REQUESTS):
                service_request_open(
                    customer=customers[-(index + 1)],
                    request_type=ServiceRequestType.objects.get(code=code),
                    description=text,
                    assignee=staff,
                    opened_by=staff.user,
                    opened_at=now - datetime.timedelta(hours=rng.randint(2, 96)),
                )
                opened += 1
        self.stdout.write(f"Demo activity: {logged} contacts, {opened} service requests")
