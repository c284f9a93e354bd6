"""The nightly import's own records: import profiles that describe a counter's layout
(edited in Django admin), and each run with its per-file counts and rejected rows."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

COUNTER_FILES = (
    "branches",
    "staff",
    "securities",
    "quotes",
    "customers",
    "capital_accounts",
    "shareholder_accounts",
    "balances",
    "positions",
    "trades",
    "cash_flows",
    "credit_accounts",
)
FILE_CHOICES = [(name, f"{name}.csv") for name in COUNTER_FILES]


class Encoding(models.TextChoices):
    UTF8 = "utf-8", "UTF-8"
    GBK = "gbk", "GBK"
    GB18030 = "gb18030", "GB18030"


class DateFormat(models.TextChoices):
    ISO = "YYYY-MM-DD", "YYYY-MM-DD"
    COMPACT = "YYYYMMDD", "YYYYMMDD"
    SLASHED = "YYYY/MM/DD", "YYYY/MM/DD"


class Delimiter(models.TextChoices):
    """Stored by name: a tab or a space survives every form and every list this way."""

    COMMA = "comma", _("Comma ( , )")
    TAB = "tab", _("Tab")
    SEMICOLON = "semicolon", _("Semicolon ( ; )")
    PIPE = "pipe", _("Vertical bar ( | )")
    OTHER = "other", _("Another character")


DELIMITER_CHARACTERS = {
    Delimiter.COMMA: ",",
    Delimiter.TAB: "\t",
    Delimiter.SEMICOLON: ";",
    Delimiter.PIPE: "|",
}
# Characters a delimiter cannot be: CSV's quote, line breaks, and what separates numbers.
NOT_A_DELIMITER = frozenset('"\r\n.-0123456789')


# The descriptions the data migrations ship (0004 and 0005), as stored, with their English
# source text: shown in the reader's language until an administrator rewrites them.
SHIPPED_DESCRIPTIONS = {
    "The canonical layout: UTF-8, comma, YYYY-MM-DD, canonical headers": gettext_noop(
        "The canonical layout: UTF-8, comma, YYYY-MM-DD, canonical headers"
    ),
    "示例：GBK 编码、中文表头、柜台自有代码、YYYYMMDD 日期、千位分隔符": gettext_noop(
        "Example: GBK encoding, Chinese headers, the counter's own codes, YYYYMMDD dates,"
        " thousands separators"
    ),
}


class ImportProfile(models.Model):
    """How one vendor's counter writes its exports; the canonical layout needs no aliases."""

    name = models.SlugField(
        _("name"),
        max_length=50,
        unique=True,
        help_text=_("A short name without spaces, e.g. vendor-x-gbk; commands name it so."),
    )
    description = models.CharField(
        _("description"),
        max_length=200,
        blank=True,
        help_text=_("Which counter (vendor, version, branches) writes this layout."),
    )
    encoding = models.CharField(
        _("encoding"),
        max_length=10,
        choices=Encoding.choices,
        default=Encoding.UTF8,
        help_text=_("How the files' text is encoded; Chinese counters often write GBK."),
    )
    delimiter = models.CharField(
        _("delimiter"),
        max_length=10,
        choices=Delimiter.choices,
        default=Delimiter.COMMA,
        help_text=_("What separates the fields of a line in the counter's files."),
    )
    other_delimiter = models.CharField(
        _("other delimiter"),
        max_length=1,
        blank=True,
        help_text=_("Only with “Another character”: the one printable character, e.g. ~."),
    )
    date_format = models.CharField(
        _("date format"),
        max_length=10,
        choices=DateFormat.choices,
        default=DateFormat.ISO,
        help_text=_("How dates are written in every file, e.g. YYYYMMDD for 20260302."),
    )
    thousands_separator = models.CharField(
        _("thousands separator"),
        max_length=1,
        blank=True,
        help_text=_("Removed from numbers before they are read, e.g. a comma in 1,234.50."),
    )
    is_default = models.BooleanField(
        _("default profile"),
        default=False,
        help_text=_(
            "Used when a run names no profile. Marking this profile the default takes the mark"
            " from the previous default."
        ),
    )
    never_delivered = models.JSONField(
        _("files this counter never delivers"),
        default=list,
        blank=True,
        help_text=_(
            "A day whose manifest leaves out a daily snapshot file (balances, positions, credit"
            " accounts), or master data on the first day, is refused unless the file is ticked"
            " here."
        ),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("import profile")
        verbose_name_plural = _("import profiles")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="importprofile_one_default",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def description_shown(self) -> str:
        """The description in the reader's language when it is the one the CRM shipped."""
        source = SHIPPED_DESCRIPTIONS.get(self.description)
        return gettext(source) if source else self.description

    @property
    def delimiter_character(self) -> str:
        if self.delimiter == Delimiter.OTHER:
            return self.other_delimiter
        return DELIMITER_CHARACTERS[self.delimiter]

    @property
    def delimiter_label(self) -> str:
        """How lists show the delimiter: its name, or the other character itself."""
        if self.delimiter == Delimiter.OTHER:
            return f"“{self.other_delimiter}”"
        return str(self.get_delimiter_display())

    def clean(self):
        super().clean()
        if self.delimiter == Delimiter.OTHER:
            char = self.other_delimiter
            if len(char) != 1 or not char.isprintable() or char.isspace():
                raise ValidationError(
                    {
                        "other_delimiter": _(
                            "Give the one printable character that separates fields."
                        )
                    }
                )
            if char in NOT_A_DELIMITER:
                raise ValidationError(
                    {
                        "other_delimiter": _(
                            "Quotes, digits, points and minus signs cannot separate fields."
                        )
                    }
                )
        elif self.other_delimiter:
            raise ValidationError(
                {
                    "other_delimiter": _(
                        "Leave this empty unless the delimiter is “Another character”."
                    )
                }
            )


class ColumnAlias(models.Model):
    """A header the counter writes (e.g. 客户号) for a canonical column (cust_no)."""

    profile = models.ForeignKey(ImportProfile, on_delete=models.CASCADE, related_name="aliases")
    file = models.CharField(
        _("file"),
        max_length=24,
        choices=FILE_CHOICES,
        blank=True,
        help_text=_("Empty: the alias holds in every file."),
    )
    header = models.CharField(
        _("header in the file"),
        max_length=100,
        help_text=_("The column's name exactly as the counter's header line writes it."),
    )
    column = models.CharField(
        _("canonical column"),
        max_length=40,
        help_text=_("The column of the import contract that the header stands for."),
    )

    class Meta:
        ordering = ["profile", "file", "column"]
        verbose_name = _("column alias")
        verbose_name_plural = _("column aliases")
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "file", "header"], name="columnalias_unique_header"
            )
        ]

    def __str__(self) -> str:
        return f"{self.header} → {self.column}"


class CodeMapping(models.Model):
    """A code the counter writes (e.g. side 证券买入) for a canonical code (B)."""

    profile = models.ForeignKey(ImportProfile, on_delete=models.CASCADE, related_name="codes")
    file = models.CharField(
        _("file"),
        max_length=24,
        choices=FILE_CHOICES,
        blank=True,
        help_text=_("Empty: the mapping holds in every file that has the column."),
    )
    column = models.CharField(
        _("canonical column"),
        max_length=40,
        help_text=_("The coded column of the import contract, e.g. side or status."),
    )
    source = models.CharField(
        _("code in the file"),
        max_length=100,
        help_text=_("The value exactly as the counter writes it, e.g. 证券买入."),
    )
    target = models.CharField(
        _("canonical code"),
        max_length=40,
        help_text=_("The contract's code it means, e.g. B; only the column's codes are accepted."),
    )

    class Meta:
        ordering = ["profile", "column", "source"]
        verbose_name = _("code mapping")
        verbose_name_plural = _("code dictionary")
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "file", "column", "source"], name="codemapping_unique_source"
            )
        ]

    def __str__(self) -> str:
        return f"{self.column}: {self.source} → {self.target}"


def message_translated(message: str, params: dict, translated=()) -> str:
    """An English message kept with its %(name)s params, in the reader's language; the
    params named in `translated` are messages themselves (a delimiter's name)."""
    shown = {
        name: gettext(value) if name in translated else value for name, value in params.items()
    }
    return gettext(message) % shown


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    LOADED = "loaded", _("Loaded")
    LOADED_WITH_REJECTS = "rejects", _("Loaded with rejected rows")
    REFUSED = "refused", _("Refused")
    FAILED = "failed", _("Failed")
    # A second run of a day found it already loaded with the same delivery.
    SKIPPED = "skipped", _("Already loaded")


# The statuses of a run that loaded its rows (with or without rejects).
LOADED_STATUSES = (RunStatus.LOADED, RunStatus.LOADED_WITH_REJECTS)


class RunKind(models.TextChoices):
    DAY = "day", _("Day folder")
    CORRECTION = "correction", _("Corrected rows")


class ImportRun(models.Model):
    business_date = models.DateField(_("business day"), db_index=True)
    kind = models.CharField(_("kind"), max_length=10, choices=RunKind.choices, default="day")
    profile = models.ForeignKey(
        ImportProfile,
        on_delete=models.PROTECT,
        null=True,
        related_name="runs",
        verbose_name=_("profile"),
    )
    source = models.CharField(_("source"), max_length=500)
    manifest_sha256 = models.CharField(_("manifest checksum"), max_length=64, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING
    )
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    late = models.BooleanField(
        _("late"), default=False, help_text=_("Later days had been loaded before this one.")
    )
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    rows_loaded = models.PositiveIntegerField(_("rows loaded"), default=0)
    rows_rejected = models.PositiveIntegerField(_("rows rejected"), default=0)
    error = models.TextField(_("error"), blank=True)
    # The refusal or error as a message to translate: {"message": ..., "params": {...}}.
    error_detail = models.JSONField(_("error detail"), default=dict, blank=True)
    # "host:pid" of the process running it, so that a run whose process died is found.
    worker = models.CharField(_("worker"), max_length=100, blank=True)
    # Set by the metrics step once it has computed the day with what this run loaded;
    # a loaded run without it marks its day's metrics stale.
    metrics_at = models.DateTimeField(_("metrics computed"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")

    def __str__(self) -> str:
        return f"{self.business_date} {self.get_kind_display()} #{self.pk}"

    @property
    def error_text(self) -> str:
        """The refusal or error in the reader's language: `error_detail` is
        {"file": ..., "cause": an English message with %(name)s fields, "params": {...}},
        and "translated" lists the params that are messages themselves (a delimiter's name);
        a run without it (an unexpected error) shows `error` as it was recorded."""
        detail = self.error_detail or {}
        if not detail.get("cause"):
            return self.error
        cause = message_translated(
            detail["cause"], detail.get("params", {}), detail.get("translated", ())
        )
        return f"{detail['file']}: {cause}" if detail.get("file") else cause

    @property
    def seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class ImportFileResult(models.Model):
    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="files")
    file = models.CharField(_("file"), max_length=24, choices=FILE_CHOICES)
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    rows_loaded = models.PositiveIntegerField(_("rows loaded"), default=0)
    rows_rejected = models.PositiveIntegerField(_("rows rejected"), default=0)
    seconds = models.FloatField(_("seconds"), default=0)
    ignored_columns = models.JSONField(_("ignored columns"), default=list, blank=True)
    header = models.TextField(_("header line"), blank=True)

    class Meta:
        ordering = ["run", "id"]
        verbose_name = _("file of an import run")
        verbose_name_plural = _("files of import runs")

    def __str__(self) -> str:
        return f"{self.run_id} {self.file}"


class ImportReject(models.Model):
    """A row the import did not load, kept so that it can be corrected and loaded again."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="rejects")
    file = models.CharField(_("file"), max_length=24, choices=FILE_CHOICES)
    line_no = models.PositiveIntegerField(_("line"))
    column = models.CharField(_("column"), max_length=40, blank=True)
    reason = models.CharField(_("reason"), max_length=200)
    raw = models.TextField(_("raw text"))
    resolved_by = models.ForeignKey(
        ImportRun,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="resolved",
        verbose_name=_("superseded by"),
        help_text=_("A later run of the same day and file that loaded its data again."),
    )

    class Meta:
        ordering = ["run", "file", "line_no"]
        verbose_name = _("rejected row")
        verbose_name_plural = _("rejected rows")
        indexes = [models.Index(fields=["run", "file", "line_no"], name="reject_run_file_idx")]

    def __str__(self) -> str:
        return f"{self.file}:{self.line_no} {self.reason}"
