"""Django admin: customer master data and accounts (the import's, read-only and masked),
import profiles and the import's runs, the relationship (contacts, service request types
and SLAs, service requests, tasks) and the custom fields of customers."""

from django import forms
from django.contrib import admin, messages
from django.db.models.constants import LOOKUP_SEP
from django.urls import path, reverse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from crm.admin_site import ReadOnlyAdmin
from crm.pii import personal_data
from crm.roles import may_reveal_pii

from .etl.specs import SPECS, canonical_codes, canonical_columns
from .forms.custom_fields import CustomFieldAdminForm
from .models import (
    CapitalAccount,
    CodeMapping,
    ColumnAlias,
    Customer,
    CustomField,
    ImportFileResult,
    ImportProfile,
    ImportRun,
    Interaction,
    ServiceRequest,
    ServiceRequestType,
    Task,
)
from .models.imports import FILE_CHOICES
from .services.custom_fields import (
    CustomFieldValuesRefused,
    custom_field_affects_values,
    custom_field_save,
    custom_field_values_check,
    custom_fields_retire,
)
from .services.profiles import import_profile_copy, import_profile_save
from .views.customer360 import customer_view_record

# The change page a reveal redirects to (admin_views.customer_reveal) shows that customer's
# personal data in full, once: the session holds the customer's id, never the data.
REVEALED_SESSION_KEY = "customers.admin.revealed_customer"

# Masked on every page; a filter in the address bar (?mobile__startswith=138) would find
# customers by them, so the changelist refuses such lookups.
PERSONAL_DATA_FIELDS = ("id_no", "mobile", "email", "address")


def _shown_pii(customer: Customer) -> dict:
    """Masked, unless the change page marked this customer revealed for this response."""
    return getattr(customer, "shown_pii", None) or personal_data(customer, revealed=False)


@admin.register(Customer)
class CustomerAdmin(ReadOnlyAdmin):  # the counter import owns it
    """Every field comes from the counter, the manager too (manager_code); last contact is
    kept by the interaction log. Opening the change page is audited like the 360 page."""

    list_display = (
        "cust_no",
        "name",
        "branch",
        "manager",
        "status",
        "risk_level",
        "id_no_shown",
        "mobile_shown",
        "open_date",
    )
    list_filter = ("status", "risk_level", "branch")
    # Number and name only: the personal data is masked, so it must not be searchable.
    search_fields = ("cust_no", "name")
    list_select_related = ("branch", "manager")
    show_full_result_count = False
    fieldsets = (
        (
            None,
            {
                "description": _("Loaded every night from the trading counter: correct it there."),
                "fields": (
                    ("cust_no", "name"),
                    ("cust_type", "status"),
                    ("branch", "manager"),
                    "open_date",
                ),
            },
        ),
        (
            _("Personal data"),
            {
                "fields": (
                    ("id_type", "id_no_shown"),
                    ("gender", "birth_date"),
                    "mobile_shown",
                    "email_shown",
                    "address_shown",
                    "occupation",
                )
            },
        ),
        (
            _("Suitability"),
            {
                "fields": (
                    ("risk_level", "risk_assessed_on"),
                    "investor_class",
                    ("invest_horizon", "invest_varieties"),
                    "marketing_consent",
                )
            },
        ),
        (None, {"fields": (("as_of", "updated_at"), "last_contact_at")}),
    )

    @admin.display(description=_("ID number"))
    def id_no_shown(self, customer: Customer) -> str:
        return _shown_pii(customer)["id_no"]

    @admin.display(description=_("mobile"))
    def mobile_shown(self, customer: Customer) -> str:
        return _shown_pii(customer)["mobile"]

    @admin.display(description=_("e-mail"))
    def email_shown(self, customer: Customer) -> str:
        return _shown_pii(customer)["email"]

    @admin.display(description=_("address"))
    def address_shown(self, customer: Customer) -> str:
        return _shown_pii(customer)["address"]

    def lookup_allowed(self, lookup, value, request=None):
        if lookup.split(LOOKUP_SEP)[0] in PERSONAL_DATA_FIELDS:
            return False
        return super().lookup_allowed(lookup, value, request)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        customer_view_record(request, obj)
        revealed = request.session.pop(REVEALED_SESSION_KEY, None) == str(obj.pk)
        obj.shown_pii = personal_data(obj, revealed=revealed)
        context.update(
            can_reveal=not revealed and may_reveal_pii(request.user),
            reveal_url=reverse("admin:customers_customer_reveal", args=[obj.pk]),
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self):
        from . import admin_views

        def reveal(request, object_id):
            return admin_views.customer_reveal(request, self, object_id)

        return [
            path(
                "<path:object_id>/reveal/",
                self.admin_site.admin_view(reveal),
                name="customers_customer_reveal",
            ),
            *super().get_urls(),
        ]


def _column_choices(*, coded: bool) -> list:
    """Each canonical column once, labelled with the files that have it (a column such as
    `name` or `status` is in several files; the row's file says which one is meant)."""
    files: dict[str, list[str]] = {}
    for spec in SPECS.values():
        for name in canonical_columns(spec.name, coded=coded):
            files.setdefault(name, []).append(spec.name)
    return [("", "---------")] + [
        (name, f"{name} ({', '.join(names)})") for name, names in sorted(files.items())
    ]


class CanonicalColumnForm(forms.ModelForm):
    """The canonical column is one of the chosen file's columns (of any file when the row
    holds for every file), chosen from a list rather than typed."""

    coded_only = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].choices = [("", _("Every file")), *FILE_CHOICES]
        self.fields["column"] = forms.ChoiceField(
            label=_("canonical column"),
            choices=_column_choices(coded=self.coded_only),
            help_text=self._meta.model._meta.get_field("column").help_text,
        )

    def clean(self):
        cleaned = super().clean()
        column, file = cleaned.get("column"), cleaned.get("file") or ""
        known = canonical_columns(file, coded=self.coded_only)
        if column and column not in known:
            self.add_error(
                "column",
                _("%(file)s has no such column. Its columns: %(columns)s")
                % {
                    "file": f"{file}.csv" if file else _("Every file"),
                    "columns": ", ".join(known),
                },
            )
        return cleaned


class ColumnAliasForm(CanonicalColumnForm):
    class Meta:
        model = ColumnAlias
        fields = ("file", "header", "column")


class CodeMappingForm(CanonicalColumnForm):
    """A code is mapped onto one the contract allows for its column (e.g. side: B, S, RS, IPO,
    DIV), so that a typo is caught here rather than by rejecting every row of a night."""

    coded_only = True

    class Meta:
        model = CodeMapping
        fields = ("file", "column", "source", "target")

    def clean(self):
        cleaned = super().clean()
        column, file, target = (
            cleaned.get("column"),
            cleaned.get("file") or "",
            cleaned.get("target"),
        )
        allowed = canonical_codes(column, file) if column else ()
        if allowed and target and target not in allowed:
            self.add_error(
                "target",
                _("%(column)s takes one of: %(codes)s")
                % {"column": column, "codes": ", ".join(allowed)},
            )
        return cleaned


class ColumnAliasInline(admin.TabularInline):
    model = ColumnAlias
    form = ColumnAliasForm
    extra = 3


class CodeMappingInline(admin.TabularInline):
    model = CodeMapping
    form = CodeMappingForm
    extra = 3


class ImportProfileForm(forms.ModelForm):
    never_delivered = forms.MultipleChoiceField(
        label=capfirst(ImportProfile._meta.get_field("never_delivered").verbose_name),
        choices=FILE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=ImportProfile._meta.get_field("never_delivered").help_text,
    )

    class Meta:
        model = ImportProfile
        fields = (
            "name",
            "description",
            "encoding",
            "delimiter",
            "other_delimiter",
            "date_format",
            "thousands_separator",
            "is_default",
            "never_delivered",
        )

    def _get_validation_exclusions(self):
        # Marking a profile the default takes the mark from the previous default on save
        # (import_profile_save); the one-default constraint must not refuse it first.
        exclusions = super()._get_validation_exclusions()
        exclusions.add("is_default")
        return exclusions


@admin.register(ImportProfile)
class ImportProfileAdmin(admin.ModelAdmin):
    form = ImportProfileForm

    class Media:
        css = {"all": ("css/admin-import-profile.css",)}

    list_display = (
        "name",
        "description_shown",
        "encoding",
        "delimiter_shown",
        "date_format",
        "is_default",
    )
    search_fields = ("name", "description")
    inlines = (ColumnAliasInline, CodeMappingInline)
    actions = ("copy_profiles",)

    @admin.display(description=_("description"), ordering="description")
    def description_shown(self, profile: ImportProfile) -> str:
        return profile.description_shown

    @admin.display(description=_("delimiter"), ordering="delimiter")
    def delimiter_shown(self, profile: ImportProfile) -> str:
        return profile.delimiter_label

    def save_model(self, request, obj, form, change):
        import_profile_save(profile=obj)

    @admin.action(description=_("Copy the selected profiles (with their aliases and codes)"))
    def copy_profiles(self, request, queryset):
        copies = [import_profile_copy(profile=profile) for profile in queryset.order_by("name")]
        self.message_user(
            request,
            _("Copied: %(names)s. Rename a copy and adjust it to the new counter.")
            % {"names": ", ".join(copy.name for copy in copies)},
            messages.SUCCESS,
        )

    def get_urls(self):
        # Set-up from a sample day and the dry run (customers/admin_views.py, which needs the
        # forms of this module, hence imported here).
        from . import admin_views

        def view(function):
            def wrapped(request, object_id):
                return function(request, self, object_id)

            return self.admin_site.admin_view(wrapped)

        return [
            path(
                "<path:object_id>/setup/",
                view(admin_views.profile_setup),
                name="customers_importprofile_setup",
            ),
            path(
                "<path:object_id>/setup/save/",
                view(admin_views.profile_setup_save),
                name="customers_importprofile_setup_save",
            ),
            path(
                "<path:object_id>/dry-run/",
                view(admin_views.profile_dry_run),
                name="customers_importprofile_dry_run",
            ),
            *super().get_urls(),
        ]


class ImportFileResultInline(admin.TabularInline):
    model = ImportFileResult
    extra = 0
    can_delete = False
    readonly_fields = (
        "file",
        "rows_read",
        "rows_loaded",
        "rows_rejected",
        "seconds",
        "ignored_columns",
    )
    exclude = ("header",)

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    """Runs are the import's own record: readable here, written only by the import."""

    list_display = (
        "business_date",
        "kind",
        "profile",
        "status",
        "late",
        "started_at",
        "rows_loaded",
        "rows_rejected",
    )
    list_filter = ("status", "kind", "late")
    date_hierarchy = "business_date"
    inlines = (ImportFileResultInline,)
    readonly_fields = [f.name for f in ImportRun._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CapitalAccount)
class CapitalAccountAdmin(ReadOnlyAdmin):  # the counter import owns it
    list_display = ("fund_account", "customer", "account_kind", "currency", "status")
    list_filter = ("account_kind", "status", "currency")
    search_fields = ("fund_account", "customer__cust_no", "customer__name")
    list_select_related = ("customer",)
    show_full_result_count = False


# -- relationship --------------------------------------------------------------------------------
# Contacts, requests and tasks are written by customers/services/relationship.py (which keeps
# SLAs, tasks and the audit log in step); the admin reads them and edits only what is safe.


@admin.register(Interaction)
class InteractionAdmin(ReadOnlyAdmin):
    """Contacts as their staff logged them: a record, not editable."""

    list_display = ("occurred_at", "customer", "channel", "direction", "staff", "result")
    list_filter = ("channel", "direction")
    search_fields = ("customer__cust_no", "customer__name", "content")
    list_select_related = ("customer", "staff")
    date_hierarchy = "occurred_at"
    show_full_result_count = False


@admin.register(ServiceRequestType)
class ServiceRequestTypeAdmin(admin.ModelAdmin):
    """The kinds of request and the hours the brokerage promises to resolve each in."""

    list_display = ("name", "code", "sla_hours", "is_complaint")
    list_editable = ("sla_hours",)
    search_fields = ("name", "code")


@admin.register(ServiceRequest)
class ServiceRequestAdmin(admin.ModelAdmin):
    """Requests are opened and moved on the customer page (SLA, task and audit in step); here
    an administrator may reassign one or correct its description."""

    list_display = (
        "id",
        "customer",
        "request_type",
        "status",
        "assignee",
        "opened_at",
        "due_at",
        "resolved_at",
    )
    list_filter = ("status", "request_type")
    search_fields = ("customer__cust_no", "customer__name", "description")
    list_select_related = ("customer", "request_type", "assignee")
    raw_id_fields = ("assignee",)
    readonly_fields = (
        "customer",
        "request_type",
        "status",
        "opened_at",
        "due_at",
        "resolved_at",
        "closed_at",
        "resolution",
        "created_by",
    )
    date_hierarchy = "opened_at"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ("due_on", "title", "kind", "status", "assignee", "customer")
    list_filter = ("status", "kind")
    search_fields = ("title", "customer__cust_no", "customer__name", "assignee__name")
    list_select_related = ("assignee", "customer")
    raw_id_fields = ("assignee",)
    readonly_fields = ("customer", "kind", "source", "created_at", "done_at")
    date_hierarchy = "due_on"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False


# -- custom fields -------------------------------------------------------------------------------
# Defined here while the CRM runs; values are set on the 360 page. Saving a definition goes
# through customers/services/custom_fields.py, which converts (or clears, when allowed) the
# values stored under it when its kind, choices or bounds change.


class CustomFieldForm(CustomFieldAdminForm):
    """The definition, and before a change that converts or clears stored values is saved,
    what it does to them: the change is refused with the report until the admin confirms
    (and, for values that cannot be converted, allows clearing them)."""

    def _post_clean(self):
        super()._post_clean()
        self.values_report = None
        field = self.instance
        if self.errors or field.pk is None:
            return
        previous = CustomField.objects.get(pk=field.pk)
        if not custom_field_affects_values(field, previous):
            return
        report = custom_field_values_check(field=field, previous=previous)
        self.values_report = report
        lines = report.lines()
        if report.refused and not self.cleaned_data.get("clear_refused"):
            self.add_error(
                "clear_refused",
                [
                    _(
                        "%(count)s customers hold values this change cannot convert. Tick "
                        "the box to clear them, or change the field so that it takes them."
                    )
                    % {"count": report.refused_customers},
                    *lines,
                ],
            )
        elif report.converted and not self.cleaned_data.get("convert_values"):
            self.add_error(
                "convert_values",
                [
                    _("%(count)s customers' values will be converted. Tick the box to go on.")
                    % {"count": report.converted_customers},
                    *lines,
                ],
            )


@admin.register(CustomField)
class CustomFieldAdmin(admin.ModelAdmin):
    form = CustomFieldForm
    list_display = ("label", "key", "kind", "applies_to", "group", "order", "required", "retired")
    list_filter = ("kind", "applies_to", "retired", "group")
    search_fields = ("key", "label", "group")
    actions = ("retire", "unretire")
    fieldsets = (
        (None, {"fields": (("key", "label"), ("kind", "applies_to"), ("group", "order"))}),
        (
            _("Validation"),
            {
                "fields": (
                    "required",
                    "default",
                    ("min_value", "max_value"),
                    "pattern",
                    "choices",
                )
            },
        ),
        (None, {"fields": ("edit_roles", "retired", "values_held")}),
        (
            _("Stored values"),
            {
                "description": _(
                    "Only asked for when the change converts or clears values customers have."
                ),
                "fields": ("convert_values", "clear_refused"),
            },
        ),
    )

    def get_readonly_fields(self, request, obj=None):
        # The key names the stored values and the links and saved views that filter by it.
        return ("values_held", "key") if obj is not None else ("values_held",)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.fieldsets[:3]
        return self.fieldsets

    @admin.display(description=_("customers with a value"))
    def values_held(self, field: CustomField) -> int | str:
        if field.pk is None:
            return "—"
        return Customer.objects.filter(custom_fields__has_key=field.key).count()

    def save_model(self, request, obj, form, change):
        try:
            report = custom_field_save(
                field=obj,
                clear_refused=form.cleaned_data.get("clear_refused", False),
                by=request.user,
                request=request,
            )
        except CustomFieldValuesRefused as refused:
            # Values arrived between the form's check and the save: nothing was saved.
            self.message_user(request, refused.messages[0], messages.ERROR)
            return
        if report.changes:
            self.message_user(
                request,
                _("%(converted)s values converted, %(cleared)s cleared: %(lines)s")
                % {
                    "converted": report.converted_customers,
                    "cleared": report.refused_customers,
                    "lines": " ".join(report.lines()),
                },
                messages.WARNING if report.refused else messages.SUCCESS,
            )

    def has_delete_permission(self, request, obj=None):
        # A field with values is retired, not deleted: its key would come back with other
        # meanings. The changelist's bulk delete is not offered (get_actions).
        if obj is not None and Customer.objects.filter(custom_fields__has_key=obj.key).exists():
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description=_("Retire the selected fields (hidden; values kept)"))
    def retire(self, request, queryset):
        count = custom_fields_retire(fields=queryset, retired=True)
        self.message_user(request, _("Retired %(count)s fields.") % {"count": count})

    @admin.action(description=_("Bring the selected fields back"))
    def unretire(self, request, queryset):
        count = custom_fields_retire(fields=queryset, retired=False)
        self.message_user(request, _("Brought back %(count)s fields.") % {"count": count})
