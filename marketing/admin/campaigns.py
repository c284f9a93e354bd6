"""Campaigns in Django admin: message templates, edited with the same merge-field checks as
the planners' pages (marketing/forms/templates.py) and saved by the same service (a change
sends the campaigns using it back for approval); campaigns and their channels, read only
(a campaign's plan changes through marketing/services/campaigns.py, which versions it and
sends it back for approval); marketing opt-outs, read only: each is the proof of a refusal."""

from django.contrib import admin

from crm.admin_site import ReadOnlyAdmin
from marketing.forms.templates import MessageTemplateForm
from marketing.models import Campaign, CampaignMessage, MarketingOptOut, MessageTemplate
from marketing.services.message_templates import message_template_save


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    form = MessageTemplateForm
    list_display = ("name", "channel", "subject", "updated_at")
    list_filter = ("channel",)
    search_fields = ("name", "subject", "body")
    readonly_fields = ("created_by", "created_at", "updated_at")

    def get_form(self, request, obj=None, **kwargs):
        # The user's campaigns are checked in the form's clean(), so that a refusal is a
        # message on the page (the service refuses again on save).
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def save_model(self, request, obj, form, change):
        changed = form.changed_data if change else ()
        message_template_save(template=obj, user=request.user, changed=changed)


class CampaignMessageInline(admin.TabularInline):
    model = CampaignMessage
    fields = ("channel", "template", "gift", "event_name", "event_at", "venue", "script")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin):  # its plan changes through the planners' pages
    list_display = ("name", "status", "owner", "version", "approved_version", "starts_at")
    list_filter = ("status",)
    search_fields = ("name",)
    list_select_related = ("owner",)
    inlines = (CampaignMessageInline,)


@admin.register(MarketingOptOut)
class MarketingOptOutAdmin(ReadOnlyAdmin):  # the proof of a customer's refusal
    list_display = ("customer", "at", "source", "recorded_by")
    list_filter = ("source",)
    search_fields = ("customer__cust_no",)
    list_select_related = ("customer", "recorded_by")
    ordering = ("-pk",)
    show_full_result_count = False
