#!/usr/bin/env python3
"""Translation files of the addons (``make pot``).

Sub-commands:
  pot     install every addon of the repository into a throw-away database, export
          each addon's template ``addons/<addon>/i18n/<addon>.pot`` with Odoo's own
          exporter (``odoo i18n export``: Python strings marked ``_()``/``_lt()``,
          fields, selections, views, data such as mail templates), then bring each
          ``i18n/<lang>.po`` in line with its template (new terms added untranslated,
          translations of terms that are gone dropped, the rest kept)
  check   without a database: every Python string of each addon marked for
          translation is in its ``.pot``, and every ``.po`` translates terms of its
          ``.pot`` only (what ``tests/test_i18n.py`` runs)

``--db NAME --keep-db`` reuses (or keeps) a database, to export again after editing
Python strings only (fields and views need the addons upgraded: ``-u``).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import stack  # noqa: E402

ADDONS_DIR = ROOT / "addons"
# keywords of Odoo's extractor for Python files (odoo/tools/translate.py)
PYTHON_KEYWORDS = {"_": None, "_lt": None}
DATE_HEADERS = ('"POT-Creation-Date:', '"PO-Revision-Date:')


def addons() -> list[str]:
    return list(stack.ALL_ADDONS)


def cmd_pot(args: argparse.Namespace) -> int:
    stack.require_odoo()
    db = args.db or f"i18n_pot_{os.getpid()}"
    config = stack.render_config(stack.LOCAL / f"odoo-i18n-{db}.conf", stack.settings(db))
    try:
        odoo = [sys.executable, "-m", "odoo"]
        if not stack.database_exists(db):
            stack.log(f"installing every addon into {db!r} (a few minutes)")
            server = [*odoo, "server", "-c", str(config), "-d", db, "--stop-after-init"]
            subprocess.run([*server, "-i", ",".join(addons()), "--log-level=warn"], check=True)
        elif args.update:
            server = [*odoo, "server", "-c", str(config), "-d", db, "--stop-after-init"]
            subprocess.run([*server, "-u", ",".join(addons()), "--log-level=warn"], check=True)
        stack.log("exporting the templates")
        before = {pot: pot.read_text() for pot in ADDONS_DIR.glob("*/i18n/*.pot")}
        subprocess.run(
            # the modules before -l, which takes several values
            [*odoo, "i18n", "export", "-c", str(config), "-d", db, *addons(), "-l", "pot"],
            check=True,
            cwd=ROOT,
        )
        for pot, text in before.items():
            # a template whose terms did not change keeps its dates (no noise in git)
            if _without_dates(pot.read_text()) == _without_dates(text):
                pot.write_text(text)
    finally:
        config.unlink(missing_ok=True)
        if not args.keep_db:
            stack.drop_database(db)
    for addon in addons():
        for po in sorted((ADDONS_DIR / addon / "i18n").glob("*.po")):
            update_po(po, ADDONS_DIR / addon / "i18n" / f"{addon}.pot")
            stack.log(f"updated {po.relative_to(ROOT)}")
    return 0


def _without_dates(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.startswith(DATE_HEADERS))


def _read(path: Path):
    import polib

    return polib.pofile(str(path))


def update_po(po: Path, pot: Path) -> None:
    """Terms and references of ``pot``, translations of ``po`` (polib's merge, as
    msgmerge without fuzzy guesses): new terms untranslated, gone ones dropped."""
    catalog, template = _read(po), _read(pot)
    catalog.merge(template)
    for entry in catalog.obsolete_entries():
        catalog.remove(entry)
    order = {entry.msgid: index for index, entry in enumerate(template)}
    catalog.sort(key=lambda entry: order.get(entry.msgid, len(order)))
    catalog.save(str(po))


def python_terms(addon: str) -> set[str]:
    """The strings of ``addon``'s Python files that Odoo's extractor would export."""
    from odoo.tools.babel.python_extractor import extract_python

    terms = set()
    for path in sorted((ADDONS_DIR / addon).rglob("*.py")):
        if "tests" in path.relative_to(ADDONS_DIR / addon).parts:
            continue
        with path.open("rb") as handle:
            for _line, _func, found, _comments in extract_python(
                handle, PYTHON_KEYWORDS, [], {"encoding": "utf-8"}
            ):
                message = found[0] if isinstance(found, tuple) else found
                if isinstance(message, str) and message:
                    terms.add(message)
    return terms


def problems() -> list[str]:
    """What ``check`` reports: stale templates, translations of unknown terms."""
    found = []
    for addon in addons():
        pot = ADDONS_DIR / addon / "i18n" / f"{addon}.pot"
        if not pot.exists():
            found.append(f"{addon}: no i18n/{addon}.pot (make pot)")
            continue
        template = {entry.msgid for entry in _read(pot)}
        missing = sorted(python_terms(addon) - template)
        found += [f"{addon}: not in {pot.name} (make pot): {term!r}" for term in missing]
        for po in sorted(pot.parent.glob("*.po")):
            unknown = sorted(
                entry.msgid
                for entry in _read(po)
                if entry.msgstr and not entry.obsolete and entry.msgid not in template
            )
            found += [
                f"{addon}: {po.name} translates a term not in the template: {t!r}" for t in unknown
            ]
    return found


def cmd_check(_args: argparse.Namespace) -> int:
    found = problems()
    for line in found:
        print(line)
    print(f"{len(found)} problem(s)")
    return 1 if found else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    pot = sub.add_parser("pot")
    pot.add_argument("--db", help="database to use (created when missing)")
    pot.add_argument("--keep-db", action="store_true", help="do not drop the database")
    pot.add_argument("--update", action="store_true", help="upgrade the addons (-u) first")
    sub.add_parser("check")
    args = parser.parse_args(argv)
    return {"pot": cmd_pot, "check": cmd_check}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
