"""The Chinese catalogue punctuates as Chinese does: full-width colons, question marks, commas
and brackets next to Chinese characters, never the ASCII : ? , ( ) of the English source
(issue 12, point 22)."""

import re
from pathlib import Path

import polib
from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]
CJK = r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]"
# An ASCII mark right after a Chinese character, or right before one.
ASCII_NEXT_TO_CJK = re.compile(rf"(?<={CJK})[:?,()]|[:?,()](?={CJK})")
# Where the ASCII mark is what the text is about, not punctuation of a sentence.
EXEMPT = {
    "yes,no",  # the yesno filter's argument: the comma separates its two words
    "Comma ( , )",  # names the delimiter of a counter file, the ASCII comma itself
}


def ascii_punctuation_next_to_chinese(po: polib.POFile) -> list[tuple[str, str]]:
    found = []
    for entry in po.translated_entries():
        if entry.msgid in EXEMPT:
            continue
        texts = [entry.msgstr, *entry.msgstr_plural.values()]
        found += [(entry.msgid, text) for text in texts if ASCII_NEXT_TO_CJK.search(text)]
    return found


def test_it_finds_ascii_punctuation_beside_chinese_and_not_full_width():
    po = polib.POFile()
    po.append(polib.POEntry(msgid="How was it resolved?", msgstr="如何解决的?"))
    po.append(polib.POEntry(msgid="Status:", msgstr="状态："))
    po.append(polib.POEntry(msgid="%(a)s (%(b)s)", msgstr="%(a)s（%(b)s）"))
    assert ascii_punctuation_next_to_chinese(po) == [("How was it resolved?", "如何解决的?")]


def test_the_chinese_catalogue_has_no_ascii_punctuation_beside_chinese():
    po = polib.pofile(str(ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    assert ascii_punctuation_next_to_chinese(po) == []


def test_chinese_form_labels_end_with_a_full_width_colon():
    from django import forms

    class Form(forms.Form):
        status = forms.CharField(label="状态")

    with translation.override("zh-hans"):
        assert Form()["status"].label_tag().endswith("状态：</label>")
    with translation.override("en"):
        assert Form()["status"].label_tag().endswith("状态:</label>")
