"""The message templates' pages, for campaign planners (branch managers, head office,
administrators): the list (channel, billed segments of the text as written, the campaigns
using each), creating and editing one (marketing/forms/templates.py checks its merge
fields), and its preview for a sample customer in the viewer's scope.

The preview's customer is looked up in the viewer's scope only: a number outside it, or no
customer's at all, is told so in one message, the same for both (it shows nothing of
anybody). The rendering is marketing/messages.py's."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET
from django.views.generic import CreateView, ListView, UpdateView

from crm.roles import Access, RoleRequiredMixin, role_required
from crm.scoping import scope_for_user
from customers.models import Customer
from marketing import messages
from marketing.forms.templates import MessageTemplateForm
from marketing.models import CampaignChannel, CampaignMessage, MessageTemplate
from marketing.services.message_templates import campaigns_using, message_template_save


def templates_listed():
    """Every template with the number of campaigns whose channels use it (one query)."""
    used = (
        CampaignMessage.objects.filter(template=OuterRef("pk"))
        .order_by()
        .values("template")
        .annotate(campaigns=Count("campaign", distinct=True))
        .values("campaigns")
    )
    return MessageTemplate.objects.annotate(
        used_by=Coalesce(Subquery(used, output_field=IntegerField()), Value(0))
    ).order_by("name")


class MessageTemplateListView(RoleRequiredMixin, ListView):
    access = Access.CAMPAIGN_PLANNING
    template_name = "marketing/templates/list.html"
    context_object_name = "templates"
    paginate_by = 100

    def get_queryset(self):
        return templates_listed()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"] = [
            (
                template,
                messages.sms_segments(messages.signed(template.body))
                if template.channel == CampaignChannel.SMS
                else None,
            )
            for template in context["templates"]
        ]
        context["signature"] = settings.CAMPAIGN_SMS_SIGNATURE
        context["opt_out"] = settings.CAMPAIGN_OPT_OUT_TEXT
        return context


class _TemplateEditing(RoleRequiredMixin):
    access = Access.CAMPAIGN_PLANNING
    model = MessageTemplate
    form_class = MessageTemplateForm
    template_name = "marketing/templates/edit.html"

    def get_form_kwargs(self):
        template = getattr(self, "object", None)
        sample = _sample(self.request.user, cust_no="", template=template)
        return {**super().get_form_kwargs(), "sample": sample.values}

    def form_valid(self, form):
        try:
            self.object = message_template_save(
                template=form.save(commit=False),
                user=self.request.user,
                changed=form.changed_data if form.instance.pk else (),
            )
        except ValidationError as error:  # campaigns of others use it: nothing is written
            form.add_error(None, error)
            if form.instance.pk:  # the page shows the template as saved, not as submitted
                form.instance.refresh_from_db()
                self.object = form.instance
            return self.form_invalid(form)
        flash.success(
            self.request,
            _("The template “%(name)s” is saved.") % {"name": self.object.name},
        )
        return redirect(self.get_success_url())

    def get_success_url(self) -> str:
        return reverse("marketing:template-preview", args=[self.object.pk])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["merge_fields"] = messages.MERGE_FIELDS
        if self.object is not None:
            context["campaigns"] = list(campaigns_using(self.object).order_by("name")[:20])
        return context


class MessageTemplateCreateView(_TemplateEditing, CreateView):
    pass


class MessageTemplateEditView(_TemplateEditing, UpdateView):
    pass


class PreviewForm(forms.Form):
    customer = forms.CharField(
        label=gettext_lazy("Customer number"),
        required=False,
        max_length=Customer._meta.get_field("cust_no").max_length,
    )


@dataclass
class _Sample:
    """The customer a preview is for (None: nobody found), the values of the fields and
    what was wrong with the number asked for."""

    customer: Customer | None
    values: dict[str, str]
    problem: str = ""


def _sample(user, *, cust_no: str, template: MessageTemplate | None = None) -> _Sample:
    """The sample customer: the one numbered `cust_no` if the user's scope holds it, the
    first in the scope when no number is given; the product and event of the latest
    campaign using the template. A field without a value shows its label in brackets."""
    customers = scope_for_user(user, Customer.objects.select_related("manager", "branch"))
    if cust_no:
        customer = customers.filter(cust_no=cust_no).first()
    else:
        customer = customers.order_by("cust_no").first()
    product = event = None
    if template is not None and template.pk:
        used = (
            CampaignMessage.objects.filter(template=template)
            .select_related("campaign__product")
            .order_by("-campaign__starts_at", "-campaign_id")
            .first()
        )
        if used is not None:
            product = used.campaign.product
            event = CampaignMessage.objects.filter(
                campaign_id=used.campaign_id, channel=CampaignChannel.EVENT
            ).first()
    values = messages.sample_values()
    if customer is not None:
        found = messages.customer_values(customer, product=product, event=event)
        values.update({code: value for code, value in found.items() if value})
    problem = ""
    if cust_no and customer is None:
        problem = _("No customer numbered %(number)s among the customers you see.") % {
            "number": cust_no
        }
    return _Sample(customer, values, problem)


@role_required(Access.CAMPAIGN_PLANNING)
@require_GET
def message_template_preview(request, pk: int):
    """The template as a sample customer receives it: ?customer=<number> picks one in the
    viewer's scope, the first of the scope otherwise."""
    template = get_object_or_404(MessageTemplate, pk=pk)
    form = PreviewForm(request.GET)
    if form.is_valid():
        sample = _sample(request.user, cust_no=form.cleaned_data["customer"], template=template)
    else:
        sample = _Sample(None, messages.sample_values(), _("That is not a customer number."))
    errors = messages.template_errors(template.body) + messages.template_errors(template.subject)
    context = {
        "template": template,
        "form": form,
        "sample": sample,
        "errors": errors,
        "preview": None
        if errors
        else messages.preview(
            channel=template.channel,
            subject=template.subject,
            body=template.body,
            values=sample.values,
        ),
    }
    return render(request, "marketing/templates/preview.html", context)
