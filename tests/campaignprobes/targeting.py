"""The scope walker's declarations of a campaign's target page, its actions and the
campaign's decisions (marketing/urls_targeting.py).

None of the walker's kinds says "planners: company-wide users, and a branch manager for the
campaigns owned in their branch". The closest honest one is HeadOfficeOnly over a campaign
owned by head office (company-wide): every role but head office and the administrator is
refused it (a branch manager with a 404, everybody else with a 403), and a refusal writes
nothing and shows nothing of the target. A branch manager planning their own branch's
campaign is tested in tests/marketing/test_targeting_pages.py.
"""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from marketing.models import (
    Campaign,
    CampaignMessage,
    CampaignStatus,
    CampaignTarget,
    MessageTemplate,
    Segment,
    SegmentKind,
    SegmentMember,
    TargetKind,
)
from tests.scopeprobes import HeadOfficeOnly, Hit


def _campaign(target, cast, status=CampaignStatus.DRAFT) -> Campaign:
    """A campaign owned by head office, created by the branch manager (so that head office
    may approve it), targeting a segment holding the target, with one SMS."""
    now = timezone.now()
    campaign = Campaign.objects.create(
        name=f"探针活动{Campaign.objects.count() + 1}",
        goal="probe",
        owner=cast.head_office,
        created_by=cast.branch_manager.user,
        starts_at=now,
        ends_on=now.date() + datetime.timedelta(days=30),
        status=status,
    )
    segment = Segment.objects.create(
        name=f"探针分群{Segment.objects.count() + 1}", kind=SegmentKind.STATIC
    )
    SegmentMember.objects.create(segment=segment, customer=target, joined_on=now.date())
    CampaignTarget.objects.create(campaign=campaign, kind=TargetKind.SEGMENT, segment=segment)
    template, _ = MessageTemplate.objects.get_or_create(
        name="探针模板", defaults={"channel": "sms", "body": "{name}您好"}
    )
    CampaignMessage.objects.create(campaign=campaign, channel="sms", template=template)
    return campaign


def _on(path: str, status=CampaignStatus.DRAFT, data=None):
    def make(*, target, cast, requester=None) -> Hit:
        campaign = _campaign(target, cast, status)
        return Hit(path.format(pk=campaign.pk), dict(data or {}))

    return make


def _remove(*, target, cast, requester=None) -> Hit:
    campaign = _campaign(target, cast)
    source = campaign.targets.get()
    return Hit(f"/marketing/campaigns/{campaign.pk}/targets/{source.pk}/remove/")


def _upload(*, target, cast, requester=None) -> Hit:
    campaign = _campaign(target, cast)
    numbers = SimpleUploadedFile("numbers.csv", target.cust_no.encode())
    return Hit(f"/marketing/campaigns/{campaign.pk}/targets/upload/", {"file": numbers})


def _add(*, target, cast, requester=None) -> Hit:
    campaign = _campaign(target, cast)
    segment = Segment.objects.create(
        name=f"探针分群{Segment.objects.count() + 1}", kind=SegmentKind.STATIC
    )
    return Hit(f"/marketing/campaigns/{campaign.pk}/targets/add/", {"segment": segment.pk})


PENDING, RUNNING, PAUSED = CampaignStatus.PENDING, CampaignStatus.RUNNING, CampaignStatus.PAUSED

DECLARATIONS = {
    # Planners' pages and actions over a campaign owned by head office (see the docstring).
    "marketing:campaign-targets": HeadOfficeOnly(_on("/marketing/campaigns/{pk}/targets/")),
    "marketing:campaign-target-add": HeadOfficeOnly(_add, answers_get=False),
    "marketing:campaign-target-remove": HeadOfficeOnly(_remove, answers_get=False),
    "marketing:campaign-target-upload": HeadOfficeOnly(_upload, answers_get=False),
    "marketing:campaign-submit": HeadOfficeOnly(
        _on("/marketing/campaigns/{pk}/submit/"), answers_get=False
    ),
    "marketing:campaign-pause": HeadOfficeOnly(
        _on("/marketing/campaigns/{pk}/pause/", RUNNING), answers_get=False
    ),
    "marketing:campaign-resume": HeadOfficeOnly(
        _on("/marketing/campaigns/{pk}/resume/", PAUSED), answers_get=False
    ),
    "marketing:campaign-cancel": HeadOfficeOnly(
        _on("/marketing/campaigns/{pk}/cancel/", RUNNING), answers_get=False
    ),
    # Approvers (head office, administrators, holders of approve_campaign: none in the cast).
    "marketing:campaign-approve": HeadOfficeOnly(
        _on("/marketing/campaigns/{pk}/approve/", PENDING), answers_get=False
    ),
    "marketing:campaign-reject": HeadOfficeOnly(
        _on("/marketing/campaigns/{pk}/reject/", PENDING, {"note": "probe"}), answers_get=False
    ),
}
