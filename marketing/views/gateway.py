"""The SMS gateway's webhooks: delivery receipts and customers' replies. Nobody signs in
to post here; the gateway is recognised by its signature (marketing/channels/gateway.py)
and a recent timestamp. A bad signature is a 403, a body we cannot read a 400 with what
is wrong, and nothing is written unless the whole body is sound."""

import json

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseForbidden, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from marketing.channels.gateway import (
    ACCOUNT_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    signature_valid,
)
from marketing.services.receipts import (
    receipts_parse,
    receipts_record,
    replies_parse,
    replies_record,
)


def _signed(request) -> bool:
    account = settings.SMS_GATEWAY_ACCOUNT
    if account and request.headers.get(ACCOUNT_HEADER, "") != account:
        return False
    return signature_valid(
        secret=settings.SMS_GATEWAY_SECRET,
        timestamp=request.headers.get(TIMESTAMP_HEADER, ""),
        given=request.headers.get(SIGNATURE_HEADER, ""),
        body=request.body,
    )


def _webhook(request, parse, record) -> HttpResponse:
    if not _signed(request):
        return HttpResponseForbidden("Bad or missing signature.", content_type="text/plain")
    try:
        payload = json.loads(request.body)
    except (UnicodeDecodeError, ValueError):
        return HttpResponseBadRequest("The body is not JSON.", content_type="text/plain")
    try:
        items = parse(payload)
    except ValidationError as error:
        return HttpResponseBadRequest(" ".join(error.messages), content_type="text/plain")
    return JsonResponse({"received": len(items), "new": record(items)})


@login_not_required
@csrf_exempt
@require_POST
def gateway_receipts(request):
    return _webhook(request, receipts_parse, receipts_record)


@login_not_required
@csrf_exempt
@require_POST
def gateway_replies(request):
    return _webhook(request, replies_parse, replies_record)
