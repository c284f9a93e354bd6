"""The custom fields panel's edit (an htmx post answered with the panel: saved, or with each
refused value's reason beside its input; a plain post redirects to the customer page with
the reasons as messages). Whoever may not act for the customer gets a 403 saying why; a
customer out of scope is a 404, as everywhere."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from customers.custom_fields import custom_fields_of
from customers.forms.custom_fields import CustomFieldsForm
from customers.permissions import may_edit_custom_field
from customers.selectors.customers import customer_get_for_user
from customers.services.custom_fields import customer_custom_fields_update
from customers.views import panels


@require_POST
def custom_fields_edit(request, cust_no: str):
    customer = customer_get_for_user(request.user, cust_no=cust_no)
    fields = custom_fields_of(customer)
    editable = [field for field in fields if may_edit_custom_field(request.user, customer, field)]
    form = CustomFieldsForm(request.POST, fields=editable, customer=customer)
    status, refusal, saved = 200, "", False
    try:
        if form.is_valid():
            customer_custom_fields_update(
                customer=customer, values=form.values(), by=request.user, request=request
            )
            saved = True
    except ValidationError as error:
        form.add_error(None, error)
    except PermissionDenied as error:
        status, refusal = 403, str(error)
    if not request.htmx:
        if status == 403:
            messages.error(request, refusal)
            return render(request, "403.html", status=403)
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else ""
            for message in errors:
                messages.error(request, f"{label}: {message}" if label else message)
        return redirect("customers:detail", cust_no=cust_no)
    context = panels.custom_fields_panel(
        customer,
        user=request.user,
        form=None if saved else form,
        saved=saved,
        refusal=refusal,
        fields=fields,
    )
    return HttpResponse(panels.panels_html(request, (panels.CUSTOM_FIELDS, context)), status=status)
