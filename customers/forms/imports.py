"""Forms of the import monitoring pages: starting an import and the upload of corrected
rejects. The import itself is customers/services/imports.py."""

import tempfile
from pathlib import Path

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from customers.models import ImportProfile, RunStatus
from customers.selectors.imports import day_folder_label


class ImportStartForm(forms.Form):
    """Start an import from the Imports page: every pending day, or one day folder again
    (`days`: the folder names that can be imported), with a profile (the default first)."""

    day = forms.ChoiceField(
        label=_("Day"),
        required=False,
        help_text=_(
            "Every pending day: each day folder not loaded yet as it is now. A chosen day is"
            " imported again, even when it is loaded already."
        ),
    )
    profile = forms.ChoiceField(label=_("Profile"))

    def __init__(self, *args, days: list[str], states: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(RunStatus.choices)
        states = states or {}
        self.fields["day"].choices = [
            ("", _("Every pending day")),
            *(
                (
                    name,
                    _("%(day)s — %(state)s")
                    % {
                        "day": day_folder_label(name),
                        "state": labels[states[name]] if name in states else _("not loaded yet"),
                    },
                )
                for name in days
            ),
        ]
        profiles = list(
            ImportProfile.objects.order_by("-is_default", "name").only(
                "name", "is_default", "description"
            )
        )
        self.fields["profile"].choices = [
            (profile.name, _profile_label(profile)) for profile in profiles
        ]
        defaults = [profile.name for profile in profiles if profile.is_default]
        if defaults:
            self.fields["profile"].initial = defaults[0]


def _profile_label(profile: ImportProfile) -> str:
    """A profile's choice: its name, whether it is the default, and what it is for."""
    label = _("%(name)s (default)") % {"name": profile.name} if profile.is_default else profile.name
    description = profile.description_shown
    return f"{label} — {description}" if description else label


class ImportCorrectionForm(forms.Form):
    """A corrected CSV for one file of a run; the file choices are those with open rejects."""

    file = forms.ChoiceField(label=_("File"))
    upload = forms.FileField(
        label=_("Corrected CSV"),
        help_text=_(
            "The downloaded rejects with the rows corrected, header line included, "
            "in the profile's encoding."
        ),
    )

    def __init__(self, *args, files: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].choices = [(name, f"{name}.csv") for name in files]

    def save_upload(self, *, prefix: str) -> Path:
        """Write the upload to a temporary file under DATA_DIR/uploads (the caller deletes it)."""
        folder = Path(settings.DATA_DIR) / "uploads"
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            dir=folder, prefix=prefix, suffix=".csv", delete=False
        ) as handle:
            for chunk in self.cleaned_data["upload"].chunks():
                handle.write(chunk)
        return Path(handle.name)
