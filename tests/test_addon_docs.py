"""Each addon's documentation, the OCA way: ``readme/*.md`` fragments are the
source, ``README.rst`` (the package's long description) and
``static/description/index.html`` (what the Apps screen shows) are generated from
them and the manifest by ``scripts/gen_addon_readme.py``, and must be up to date;
the README is valid reStructuredText (a broken table or indentation shows as an
error on the Apps screen); the manifest carries the keys OCA's addons carry."""

from __future__ import annotations

import ast
import importlib.util
import io
import re

import docutils.core
import pytest
from support import ROOT

ADDON_DIRS = sorted(p.parent for p in (ROOT / "addons").glob("*/__manifest__.py"))
IDS = [p.name for p in ADDON_DIRS]
READMES = sorted((ROOT / "addons").glob("*/README.rst"))


def load_generator():
    spec = importlib.util.spec_from_file_location(
        "gen_addon_readme", ROOT / "scripts" / "gen_addon_readme.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("readme", READMES, ids=[p.parent.name for p in READMES])
def test_readme_renders_without_errors(readme):
    warnings = io.StringIO()
    docutils.core.publish_doctree(
        readme.read_text(),
        settings_overrides={"report_level": 2, "halt_level": 5, "warning_stream": warnings},
    )
    assert not warnings.getvalue(), warnings.getvalue()


@pytest.mark.parametrize("addon_dir", ADDON_DIRS, ids=IDS)
def test_generated_docs_are_up_to_date(addon_dir):
    generator = load_generator()
    for path, expected in generator.generate(addon_dir).items():
        relative = path.relative_to(ROOT)
        assert path.exists(), f"{relative} is missing: python3 scripts/gen_addon_readme.py"
        assert path.read_text() == expected, (
            f"{relative} is not what readme/*.md and the manifest give: edit the "
            "fragments, not the generated file, then run python3 scripts/gen_addon_readme.py"
        )


@pytest.mark.parametrize("addon_dir", ADDON_DIRS, ids=IDS)
def test_readme_fragments_have_content(addon_dir):
    for name in ("DESCRIPTION", "CONFIGURE", "USAGE", "CONTRIBUTORS"):
        fragment = addon_dir / "readme" / f"{name}.md"
        assert fragment.exists(), f"no {fragment.relative_to(ROOT)}"
        assert len(fragment.read_text().split()) >= 5, f"{fragment.relative_to(ROOT)} is empty"


def test_generator_refuses_what_it_would_drop():
    generator = load_generator()
    for text in ("see [the README](../../README.md)", "a <b>bold</b> word", "> quoted"):
        with pytest.raises(generator.ReadmeError):
            generator.md_to_rst(text, "USAGE")
    with pytest.raises(generator.ReadmeError):
        generator.md_to_rst("# A heading\n\ntext", "DESCRIPTION")


def test_generator_escapes_plain_text():
    generator = load_generator()
    rst = generator.md_to_rst(r"a \* b, field_ c, `code_` and a | bar", "USAGE")
    assert rst == "a \\* b, field\\_ c, ``code_`` and a \\| bar\n"


@pytest.mark.parametrize("addon_dir", ADDON_DIRS, ids=IDS)
def test_manifest_has_the_oca_keys(addon_dir):
    manifest = ast.literal_eval((addon_dir / "__manifest__.py").read_text())
    assert "Distribution Platform Team" in manifest["author"]
    assert manifest["website"].startswith("https://")
    assert manifest["maintainers"] and all(isinstance(m, str) for m in manifest["maintainers"])
    assert manifest["development_status"] in ("Alpha", "Beta", "Production/Stable", "Mature")
    assert manifest["summary"].strip() and manifest["category"].strip()
    assert manifest["license"] in ("LGPL-3", "AGPL-3")
    assert re.fullmatch(r"19\.0\.\d+\.\d+\.\d+", manifest["version"])
