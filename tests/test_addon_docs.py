"""Each addon's README.rst (the description the Apps screen shows) is valid
reStructuredText: a broken table or indentation shows as an error there."""

from __future__ import annotations

import io

import docutils.core
import pytest
from support import ROOT

READMES = sorted((ROOT / "addons").glob("*/README.rst"))


@pytest.mark.parametrize("readme", READMES, ids=[p.parent.name for p in READMES])
def test_readme_renders_without_errors(readme):
    warnings = io.StringIO()
    docutils.core.publish_doctree(
        readme.read_text(),
        settings_overrides={"report_level": 2, "halt_level": 5, "warning_stream": warnings},
    )
    assert not warnings.getvalue(), warnings.getvalue()
