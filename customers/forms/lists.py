"""Forms of the customer list: saving its filters as a named view
(customers/services/lists.py writes it)."""

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from customers.filters.lists import filter_query


class SavedViewForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("saved view", "Name"), max_length=100)
    shared_with_team = forms.BooleanField(label=_("Share with my team"), required=False)
    query = forms.CharField(widget=forms.HiddenInput, required=False, max_length=2000)

    def clean_query(self):
        # Stored as the known filters only: a saved view can link to nothing but the list.
        return filter_query(QueryDict(self.cleaned_data["query"]))
