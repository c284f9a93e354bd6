"""Django forms of the customers app: the upload of corrected import rejects."""

import tempfile
from pathlib import Path

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


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
