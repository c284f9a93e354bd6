"""Forms of the import-profile pages in Django admin: choosing a sample day (a day folder
under IMPORT_ROOT, or the day's files uploaded) and answering, in one form, what set-up found
unmapped. Reading and writing live in customers/services/profile_setup.py."""

import hashlib
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from django import forms
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crm.dates import DateWithinBounds
from customers.selectors.imports import import_day_folders

from .admin import CodeMappingForm, ColumnAliasForm
from .models import CodeMapping, ColumnAlias, ImportProfile
from .services.imports import DAY_FOLDER
from .services.profile_setup import (
    DaySample,
    SetupAnswers,
    Unmapped,
    profile_setup_rows,
)

# A day's files unpacked from one upload may not grow past this (a zip can hold a bomb).
UNPACKED_LIMIT = 4 << 30
COPY_CHUNK = 1 << 20
SAMPLE_MAX_AGE = 24 * 3600


class DayUploadError(Exception):
    """An upload that could not be unpacked; the message is for the admin."""


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; cleans to a list (empty when none was given)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".csv,.zip"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        items = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in items if item]


class DayFolderForm(forms.Form):
    """Where the sample day is: one of the day folders under IMPORT_ROOT, or uploaded as
    several .csv files or one .zip holding them."""

    folder = forms.ChoiceField(
        label=_("Day folder under the import folder"),
        required=False,
        help_text=_("The YYYYMMDD folders the counter delivered to the import folder."),
    )
    upload = MultipleFileField(
        label=_("Or upload the day's files"),
        required=False,
        help_text=_("Several .csv files (the manifest among them), or one .zip holding them."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["folder"].choices = [
            ("", "---------"),
            *((name, name) for name in import_day_folders(root=Path(settings.IMPORT_ROOT))),
        ]
        self.zip_members: list[zipfile.ZipInfo] = []
        self.zip_day = ""

    def clean(self):
        cleaned = super().clean()
        folder, uploads = cleaned.get("folder"), cleaned.get("upload") or []
        if "folder" in self.errors or "upload" in self.errors:
            return cleaned
        if bool(folder) == bool(uploads):
            raise ValidationError(
                _("Choose a day folder or upload the day's files (one of the two).")
            )
        names = [Path(upload.name).name.lower() for upload in uploads]
        if len(uploads) == 1 and names[0].endswith(".zip"):
            self._check_zip(uploads[0])
        elif not all(name.endswith(".csv") for name in names):
            raise ValidationError(_("Upload .csv files, or one .zip holding them."))
        elif len(set(names)) != len(names):
            raise ValidationError(_("Two uploaded files have the same name."))
        return cleaned

    def _check_zip(self, upload) -> None:
        try:
            archive = zipfile.ZipFile(upload)
        except (zipfile.BadZipFile, OSError):
            raise ValidationError(_("The upload is not a readable .zip file.")) from None
        members = [
            info
            for info in archive.infolist()
            if not info.is_dir()
            and info.filename.lower().endswith(".csv")
            and not info.filename.startswith("__MACOSX/")
        ]
        if not members:
            raise ValidationError(_("The .zip holds no .csv file."))
        names = [PurePosixPath(info.filename).name for info in members]
        if len(set(names)) != len(names):
            raise ValidationError(_("The .zip holds more than one day: upload one day at a time."))
        if any(info.flag_bits & 0x1 for info in members):
            raise ValidationError(_("The .zip is encrypted."))
        if sum(info.file_size for info in members) > UNPACKED_LIMIT:
            raise ValidationError(_("The .zip unpacks to more than 4 GB."))
        self.zip_members = members
        folders = {PurePosixPath(info.filename).parent.name for info in members}
        if len(folders) == 1 and DAY_FOLDER.match(day := folders.pop()):
            self.zip_day = day

    @contextmanager
    def day_folder(self, *, name: str = "sample") -> Iterator[Path]:
        """The chosen folder, or a temporary folder called `name` holding the uploaded files,
        removed when the block ends."""
        if folder := self.cleaned_data.get("folder"):
            yield Path(settings.IMPORT_ROOT) / folder
            return
        uploads = Path(settings.DATA_DIR) / "uploads"
        uploads.mkdir(parents=True, exist_ok=True)
        temporary = Path(tempfile.mkdtemp(prefix="day-", dir=uploads))
        try:
            target = temporary / name
            target.mkdir()
            self._unpack(target)
            yield target
        finally:
            shutil.rmtree(temporary, ignore_errors=True)

    def _unpack(self, target: Path) -> None:
        uploads = self.cleaned_data["upload"]
        if not self.zip_members:
            for upload in uploads:
                with (target / Path(upload.name).name).open("wb") as handle:
                    for chunk in upload.chunks():
                        handle.write(chunk)
            return
        written = 0
        try:
            with zipfile.ZipFile(uploads[0]) as archive:
                for info in self.zip_members:
                    name = PurePosixPath(info.filename).name
                    with archive.open(info) as source, (target / name).open("wb") as handle:
                        while chunk := source.read(COPY_CHUNK):
                            written += len(chunk)
                            if written > UNPACKED_LIMIT:
                                raise DayUploadError(gettext("The .zip unpacks to more than 4 GB."))
                            handle.write(chunk)
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError) as error:
            raise DayUploadError(
                gettext("The .zip could not be unpacked (%(error)s).") % {"error": error}
            ) from error


class DryRunSourceForm(DayFolderForm):
    """The day to check; an upload is placed in a folder named after its business day."""

    business_day = forms.DateField(
        label=_("Business day"),
        required=False,
        validators=[DateWithinBounds(days_ahead=7)],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_(
            "For uploaded files: the day they are of. A .zip whose files sit in a YYYYMMDD"
            " folder gives it itself."
        ),
    )

    def clean(self):
        cleaned = super().clean()
        if self.errors or cleaned.get("folder"):
            return cleaned
        if not cleaned.get("business_day") and not self.zip_day:
            self.add_error("business_day", _("Give the business day of the uploaded files."))
        return cleaned

    @property
    def day_name(self) -> str:
        """The YYYYMMDD name of the day folder the import reads."""
        if folder := self.cleaned_data.get("folder"):
            return folder
        if day := self.cleaned_data.get("business_day"):
            return f"{day:%Y%m%d}"
        return self.zip_day


# -- the answers ------------------------------------------------------------------------------


def sample_token(sample: DaySample, profile: ImportProfile) -> str:
    """The sample read, signed, so that the answers' form carries it instead of the files."""
    return signing.dumps(sample.as_data(), salt=_salt(profile), compress=True)


def sample_from_token(token: str, profile: ImportProfile) -> DaySample | None:
    try:
        data = signing.loads(token or "", salt=_salt(profile), max_age=SAMPLE_MAX_AGE)
        return DaySample.from_data(data)
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def _salt(profile: ImportProfile) -> str:
    return f"customers.profile-setup.{profile.pk}"


def _field_name(kind: str, *parts: str) -> str:
    digest = hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]
    return f"{kind}-{digest}"


class ProfileSetupForm(forms.Form):
    """One select per unknown header (the file's canonical columns, or ignore) and per unmapped
    code (the codes the contract allows, or leave it), proposals preselected. The rows the
    answers make are checked by the admin's own alias and code forms before anything is saved.
    """

    sample = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, profile: ImportProfile, sample: DaySample, unmapped: Unmapped, **kw):
        kw.setdefault("initial", {})["sample"] = sample_token(sample, profile)
        super().__init__(*args, **kw)
        self.profile, self.sample, self.unmapped = profile, sample, unmapped
        self.header_names: dict[tuple[str, str], str] = {}
        self.code_names: dict[tuple[str, str, str], str] = {}
        for item in unmapped.unknown_headers:
            name = _field_name("header", item.file, item.header)
            self.header_names[item.file, item.header] = name
            self.fields[name] = forms.ChoiceField(
                label=f"{item.file}.csv: {item.header}",
                required=False,
                initial=item.proposal,
                choices=[("", _("(ignore)")), *((column, column) for column in item.choices)],
            )
        for item in unmapped.unmapped_codes:
            key = (item.scope, item.column, item.value)
            name = _field_name("code", *key)
            self.code_names[key] = name
            self.fields[name] = forms.ChoiceField(
                label=f"{item.column}: {item.value}",
                required=False,
                initial=item.proposal,
                choices=[("", _("(leave unmapped)")), *((code, code) for code in item.choices)],
            )

    @property
    def header_rows(self):
        return [
            (item, self[self.header_names[item.file, item.header]])
            for item in self.unmapped.unknown_headers
        ]

    @property
    def code_rows(self):
        return [
            (item, self[self.code_names[item.scope, item.column, item.value]])
            for item in self.unmapped.unmapped_codes
        ]

    @property
    def ignored_headers(self) -> list[tuple[str, str]]:
        return [key for key, column in self.answers.headers.items() if not column]

    def clean(self):
        cleaned = super().clean()
        self.answers = SetupAnswers(
            headers={key: cleaned.get(name) or "" for key, name in self.header_names.items()},
            codes={key: cleaned.get(name) or "" for key, name in self.code_names.items()},
        )
        if self.errors:
            return cleaned
        self._check_one_header_per_column()
        aliases, codes = profile_setup_rows(
            profile=self.profile, sample=self.sample, answers=self.answers
        )
        for alias in aliases:
            row = ColumnAliasForm(
                data={"file": alias.file, "header": alias.header, "column": alias.column},
                instance=ColumnAlias(profile=self.profile),
            )
            for key in alias.answers:
                self._add_row_errors(self.header_names[key], row)
        for code in codes:
            row = CodeMappingForm(
                data={
                    "file": code.file,
                    "column": code.column,
                    "source": code.source,
                    "target": code.target,
                },
                instance=CodeMapping(profile=self.profile),
            )
            self._add_row_errors(self.code_names[code.file, code.column, code.source], row)
        return cleaned

    def _check_one_header_per_column(self) -> None:
        """A column is found by one header of a file: the import would skip a second one."""
        for report in self.unmapped.files:
            chosen: dict[str, list[str]] = {}
            for item in self.unmapped.unknown_headers:
                column = self.answers.headers[item.file, item.header]
                if item.file == report.file and column:
                    chosen.setdefault(column, []).append(item.header)
            for column, headers in chosen.items():
                for header in headers:
                    name = self.header_names[report.file, header]
                    if column in report.columns:
                        self.add_error(
                            name,
                            _("%(file)s.csv already finds %(column)s by the header %(header)s.")
                            % {
                                "file": report.file,
                                "column": column,
                                "header": report.columns[column],
                            },
                        )
                    elif len(headers) > 1:
                        self.add_error(
                            name,
                            _("%(column)s is chosen for more than one header of %(file)s.csv.")
                            % {"file": report.file, "column": column},
                        )

    def _add_row_errors(self, field_name: str, row: forms.ModelForm) -> None:
        if row.is_valid():
            return
        for errors in row.errors.values():
            for error in errors:
                if field_name in self.fields and error not in self.errors.get(field_name, []):
                    self.add_error(field_name, error)
