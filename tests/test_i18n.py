"""Translation files: every addon has its template, generated from the code and kept
current (``make pot``), and the French translation shipped for the order pipeline
and the cold chain covers every hold reason and excursion explanation, each
translation keeping its placeholders.

No database: the template check compares the strings Odoo's own extractor finds in
each addon's Python files with the ``.pot`` (fields and views need a database to
extract and are left to ``make pot``)."""

from __future__ import annotations

import importlib.util
import re

import pytest
from support import ROOT

pytest.importorskip("odoo", reason="Odoo 19 is not importable: its extractor is needed")
polib = pytest.importorskip("polib")

ADDONS = sorted(p.parent.name for p in (ROOT / "addons").glob("*/__manifest__.py"))
PLACEHOLDER = re.compile(r"%\((\w+)\)s|%%")
# engine message tables whose every template must be translated (the brief's proof)
FRENCH = {
    "distribution_orchestration": "distribution_orchestration.engine.messages",
    "coldchain_sites": "coldchain_sites.engine.messages",
}


def load_tool():
    spec = importlib.util.spec_from_file_location("i18n_tool", ROOT / "scripts" / "i18n.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("addon", ADDONS)
def test_every_addon_has_its_template(addon):
    assert (ROOT / "addons" / addon / "i18n" / f"{addon}.pot").exists(), "make pot"


def test_templates_are_current():
    assert load_tool().problems() == []


@pytest.mark.parametrize("po", sorted((ROOT / "addons").glob("*/i18n/*.po")), ids=str)
def test_translations_keep_their_placeholders(po):
    for entry in polib.pofile(str(po)):
        if entry.msgstr:
            assert sorted(PLACEHOLDER.findall(entry.msgstr)) == sorted(
                PLACEHOLDER.findall(entry.msgid)
            ), entry.msgid


@pytest.mark.parametrize("addon", sorted(FRENCH))
def test_french_translates_every_explanation(addon):
    messages = importlib.import_module(FRENCH[addon])
    french = {
        entry.msgid: entry.msgstr
        for entry in polib.pofile(str(ROOT / "addons" / addon / "i18n" / "fr.po"))
    }
    untranslated = [code for code, text in messages.MESSAGES.items() if not french.get(text)]
    assert untranslated == []
