"""Each addon installs like any OCA addon: a wheel ``odoo-addon-<addon>`` built by
whool from a clean clone (``scripts/build_wheels.py``, what ``make wheels`` runs),
with the name, version and dependencies the manifest gives, installed into a fresh
virtual environment and imported from there.

The virtual environment is made with ``--system-site-packages`` so that Odoo and
its dependencies, and the OCA addons we adopt (``requirements-odoo-addons.txt``),
are the ones already installed; the wheels go in with ``--no-deps`` (Odoo itself is
no pip distribution here, so pip could not resolve ``odoo==19.0.*``), and a test
then checks every ``Requires-Dist`` of every wheel against what the environment
holds: nothing a wheel asks for is missing.

The wheels hold what is committed (HEAD), not the working tree: commit first.
Where Odoo 19 is not importable the tests that import the addons are skipped, with
the reason; the build and metadata checks run anyway.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import zipfile
from email.parser import HeaderParser
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version
from support import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import stack

ADDONS = sorted(p.parent.name for p in (ROOT / "addons").glob("*/__manifest__.py"))


def head_manifest(addon: str) -> dict:
    """The manifest as committed: the wheels are built from HEAD."""
    text = subprocess.run(
        ["git", "show", f"HEAD:addons/{addon}/__manifest__.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return ast.literal_eval(text)


def adopted_oca_addons() -> set[str]:
    """The OCA addons we adopt, from requirements-odoo-addons.txt."""
    names = set()
    for line in (ROOT / "requirements-odoo-addons.txt").read_text().splitlines():
        requirement = line.split("#")[0].strip()
        if requirement:
            names.add(Requirement(requirement).name.removeprefix("odoo-addon-"))
    return names


@pytest.fixture(scope="module")
def wheels(tmp_path_factory) -> dict[str, Path]:
    """addon name -> its wheel, built from a clean clone of HEAD."""
    outdir = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_wheels.py"), "--outdir", str(outdir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    built = {}
    for wheel in sorted(outdir.glob("*.whl")):
        name = wheel.name.split("-")[0].removeprefix("odoo_addon_")
        assert name not in built, f"two wheels of {name}"
        built[name] = wheel
    return built


def wheel_metadata(wheel: Path):
    with zipfile.ZipFile(wheel) as zf:
        (path,) = [n for n in zf.namelist() if n.endswith(".dist-info/METADATA")]
        return HeaderParser().parsestr(zf.read(path).decode())


def test_every_addon_has_its_wheel(wheels):
    assert sorted(wheels) == ADDONS


@pytest.mark.parametrize("addon", ADDONS)
def test_wheel_metadata_comes_from_the_manifest(wheels, addon):
    manifest = head_manifest(addon)
    meta = wheel_metadata(wheels[addon])
    assert meta["Name"] == f"odoo-addon-{addon}"
    # OCA's 19.0 rule: the manifest's version, plus ".N" when N commits touched the
    # addon since its version last changed.
    version, expected = Version(meta["Version"]), Version(manifest["version"])
    assert version.release[: len(expected.release)] == expected.release, meta["Version"]
    assert len(version.release) - len(expected.release) in (0, 1), meta["Version"]
    assert meta["Summary"] == " ".join(manifest["summary"].split())
    assert meta["License"] == manifest["license"]
    assert "Distribution Platform Team" in meta["Author"]
    assert meta["Home-page"] == manifest["website"]
    classifiers = meta.get_all("Classifier")
    assert "Framework :: Odoo :: 19.0" in classifiers
    assert f"Development Status :: 4 - {manifest['development_status']}" in classifiers
    assert meta.get_payload().strip(), "no long description (README.rst)"

    requires = {Requirement(r) for r in meta.get_all("Requires-Dist") or []}
    by_name = {canonicalize_name(r.name): r for r in requires}
    assert str(by_name.pop("odoo").specifier) == "==19.0.*"
    # our addons and the OCA addons we adopt are packages; Odoo's own addons are not
    ours_or_oca = set(ADDONS) | adopted_oca_addons()
    expected_addons = {d for d in manifest["depends"] if d in ours_or_oca}
    addon_reqs = {n: r for n, r in by_name.items() if n.startswith("odoo-addon-")}
    assert set(addon_reqs) == {canonicalize_name(f"odoo-addon-{d}") for d in expected_addons}
    assert all(str(r.specifier) == "==19.0.*" for r in addon_reqs.values())
    python = {
        canonicalize_name(p) for p in manifest.get("external_dependencies", {}).get("python", [])
    }
    assert set(by_name) - set(addon_reqs) == python


@pytest.mark.parametrize("addon", ADDONS)
def test_wheel_holds_the_committed_addon(wheels, addon):
    with zipfile.ZipFile(wheels[addon]) as zf:
        names = set(zf.namelist())
        prefix = f"odoo/addons/{addon}/"
        assert f"{prefix}__manifest__.py" in names
        assert f"{prefix}README.rst" in names
        assert f"{prefix}static/description/index.html" in names
        assert f"{prefix}readme/DESCRIPTION.md" in names
        assert f"{prefix}pyproject.toml" not in names
        assert not [n for n in names if not n.startswith((prefix, "odoo_addon_"))]
        manifest = ast.literal_eval(zf.read(f"{prefix}__manifest__.py").decode())
    assert manifest == head_manifest(addon)


PROBE = r"""
import importlib, importlib.metadata as md, json, sys, sysconfig
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
import odoo.release
from odoo.modules.module import Manifest

addons = sys.argv[1:]
report = {"purelib": sysconfig.get_paths()["purelib"], "addons": {}, "unmet": []}
for name in addons:
    module = importlib.import_module("odoo.addons." + name)
    manifest = Manifest.for_addon(name)
    dist = md.distribution("odoo-addon-" + name)
    report["addons"][name] = {
        "file": module.__file__,
        "odoo_path": manifest.path if manifest else None,
        "odoo_version": manifest.version if manifest else None,
        "dist_path": str(dist.locate_file("")),
    }
    for text in dist.requires or []:
        req = Requirement(text)
        if req.name == "odoo":  # no distribution here: Odoo is on the path
            have = ".".join(str(x) for x in odoo.release.version_info[:2]) + ".0"
        else:
            try:
                have = md.version(req.name)
            except md.PackageNotFoundError:
                report["unmet"].append(f"{name}: {text} (not installed)")
                continue
        if not SpecifierSet(str(req.specifier)).contains(have, prereleases=True):
            report["unmet"].append(f"{name}: {text} (have {have})")
for name in sorted({"queue_job", "edi_core_oca", "base_tier_validation"}):
    manifest = Manifest.for_addon(name)
    report["addons"].setdefault("_oca", {})[name] = manifest.path if manifest else None
print(json.dumps(report))
"""


@pytest.fixture(scope="module")
def venv_report(wheels, tmp_path_factory) -> dict:
    """Install the wheels into a fresh venv (system site-packages visible) and
    report, from inside it, where each addon is imported from."""
    version = stack.odoo_version()
    if not version or version[0] != 19:
        pytest.skip(
            "!!! SKIPPED: Odoo 19 is not importable by "
            f"{sys.executable} (found: {version or 'nothing'}); the wheels were built "
            "and their metadata checked, but not installed nor imported"
        )
    venv = tmp_path_factory.mktemp("venv") / "env"
    subprocess.run(
        [sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)],
        check=True,
        timeout=120,
    )
    python = venv / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    # pip itself comes from the system site-packages; it installs into the venv
    install = subprocess.run(
        [
            *(str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"),
            *("--no-deps", "--no-index", *map(str, wheels.values())),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    probe = subprocess.run(
        [str(python), "-c", PROBE, *ADDONS],
        capture_output=True,
        text=True,
        env=env,
        cwd=venv,  # not the repository: nothing may come from its addons/
        timeout=300,
        check=False,
    )
    assert probe.returncode == 0, probe.stdout + probe.stderr
    report = json.loads(probe.stdout.strip().splitlines()[-1])
    report["venv"] = str(venv)
    return report


@pytest.mark.parametrize("addon", ADDONS)
def test_installed_addon_imports_from_the_venv(venv_report, addon):
    purelib = Path(venv_report["purelib"]).resolve()
    info = venv_report["addons"][addon]
    expected = purelib / "odoo" / "addons" / addon
    assert Path(info["file"]).resolve() == expected / "__init__.py"
    assert ROOT not in Path(info["file"]).resolve().parents
    assert Path(info["dist_path"]).resolve() == purelib
    # Odoo finds it without --addons-path, with the committed version
    assert Path(info["odoo_path"]).resolve() == expected
    assert info["odoo_version"].endswith(head_manifest(addon)["version"])


def test_oca_dependencies_are_found_by_odoo(venv_report):
    missing = [name for name, path in venv_report["addons"]["_oca"].items() if not path]
    assert not missing, f"Odoo finds no {missing} (make deps installs them)"


def test_every_requirement_of_the_wheels_is_met(venv_report):
    assert not venv_report["unmet"], "\n".join(venv_report["unmet"])
