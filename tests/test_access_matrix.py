"""The README's access matrix is exactly what a fresh database grants.

Installs every addon of the repository into a throw-away database (a few
minutes), generates the matrix (``scripts/access_matrix.py``) and compares it
with the README's section: a change of rights fails here until the README is
updated (``python3 scripts/access_matrix.py -d <db> --write``).
"""

from __future__ import annotations

import difflib
import subprocess
import sys
import uuid

import pytest
from support import ROOT, free_port

sys.path.insert(0, str(ROOT / "scripts"))
import access_matrix
import stack

pytest.importorskip("odoo.release", reason="Odoo 19 is not importable: no database to read")
pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def installed_env(tmp_path_factory):
    name = f"pytest_access_{uuid.uuid4().hex[:10]}"
    values = stack.settings(name, http_port=free_port())
    config = stack.render_config(tmp_path_factory.mktemp("odoo") / "odoo.conf", values)
    subprocess.run(
        stack.odoo_command(
            config,
            "-d",
            name,
            "-i",
            ",".join(stack.ALL_ADDONS),
            "--stop-after-init",
            "--log-level=warn",
            "--without-demo=all",
        ),
        check=True,
        cwd=ROOT,
    )
    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry
    from odoo.tools import config as odoo_config

    odoo_config.parse_config(["-c", str(config), "-d", name, "--log-level=warn"])
    try:
        with Registry(name).cursor() as cr:
            yield api.Environment(cr, SUPERUSER_ID, {})
    finally:
        Registry.delete(name)
        stack.drop_database(name)


def test_readme_access_matrix_matches_the_database(installed_env):
    generated = access_matrix.render(installed_env)
    current = access_matrix.readme_section()
    diff = "".join(
        difflib.unified_diff(
            current.splitlines(True), generated.splitlines(True), "README.md", "database"
        )
    )
    assert not diff, (
        "Rights changed but the README's access matrix did not; regenerate it with "
        "`python3 scripts/access_matrix.py -d <db> --write` and review the change:\n" + diff
    )


def test_every_governed_action_is_refused_outside_its_groups(installed_env):
    """The decorator's groups are what is enforced: each governed action, called by
    a portal user, is refused before it runs."""
    from odoo.exceptions import AccessError

    env = installed_env
    outsider = env["res.users"].create(
        {
            "name": "Matrix Outsider (portal)",
            "login": f"matrix_portal_{uuid.uuid4().hex[:6]}",
            "group_ids": [(6, 0, [env.ref("base.group_portal").id])],
        }
    )
    checked = 0
    for addon in access_matrix.our_addons():
        for model, method, _labels, _rule in access_matrix.governed_actions(env, addon):
            records = env[model].with_user(outsider).browse()
            with pytest.raises(AccessError):
                getattr(records, method)()
            checked += 1
    env.cr.rollback()
    assert checked, "no governed action found: the decorators are not seen"
