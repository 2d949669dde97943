#!/usr/bin/env python3
"""Build one wheel per addon, ``odoo-addon-<addon>``, from a clean clone (``make wheels``).

Each ``addons/<addon>/pyproject.toml`` names OCA's build backend, whool, which
derives the package from the manifest as for any OCA addon: name
``odoo-addon-<addon>``, version from the manifest (plus ``.N``, the number of
commits to the addon since its version last changed, OCA's rule for 19.0, so two
different builds never share a version), ``Requires-Dist`` on ``odoo==19.0.*``,
on ``odoo-addon-<name>==19.0.*`` for each dependency that is not an Odoo core addon,
and on the manifest's ``external_dependencies["python"]``.  The wheel holds the
addon's git-tracked files only, under ``odoo/addons/<addon>``.

The build runs in a fresh clone of a commit (HEAD by default) in a temporary
directory: the wheels hold what is committed, never the working tree's
uncommitted changes or untracked files, and nothing is written into the repository
but the wheels in ``--outdir`` (``dist/``, git-ignored).  Wheels of our addons
already in ``--outdir`` are removed first, so ``pip install dist/*.whl`` never
sees two versions of one addon.

Needs ``whool`` and ``build`` in this Python (``requirements-build.txt``): the
wheels are built without build isolation, so no package index is needed.
"""

from __future__ import annotations

import argparse
import ast
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def git(*args: str, cwd: Path = ROOT) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


def addon_dirs(repo: Path) -> list[Path]:
    return sorted(p.parent for p in (repo / "addons").glob("*/__manifest__.py"))


def manifest(addon_dir: Path) -> dict:
    return ast.literal_eval((addon_dir / "__manifest__.py").read_text())


def check_tools() -> None:
    missing = []
    for module in ("build", "whool"):
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    if not shutil.which("git"):
        sys.exit("git is needed to build the wheels (from a clean clone)")
    if missing:
        sys.exit(
            f"{sys.executable} lacks {', '.join(missing)}: "
            f"`{sys.executable} -m pip install -r requirements-build.txt` (or `make wheels`)"
        )


def build_wheels(outdir: Path, ref: str = "HEAD", quiet: bool = False) -> list[Path]:
    """Clone ``ref`` of this repository into a temporary directory, build every
    addon's wheel into ``outdir`` and return the wheels' paths."""
    check_tools()
    sha = git("rev-parse", "--verify", f"{ref}^{{commit}}")
    if ref == "HEAD" and git("status", "--porcelain", "--untracked-files=no"):
        print(
            f"note: uncommitted changes are not in the wheels (built from {sha[:12]})",
            file=sys.stderr,
        )
    outdir = outdir.resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="wheels-") as tmp:
        clone = Path(tmp) / "repo"
        git("clone", "--quiet", "--no-checkout", str(ROOT), str(clone), cwd=Path(tmp))
        git("checkout", "--quiet", "--detach", sha, cwd=clone)
        addons = addon_dirs(clone)
        without = [a.name for a in addons if not (a / "pyproject.toml").exists()]
        if without:
            sys.exit(f"no pyproject.toml in {', '.join(without)} (commit {sha[:12]})")
        for stale in outdir.glob("odoo_addon_*.whl"):
            if stale.name.split("-")[0].removeprefix("odoo_addon_") in {a.name for a in addons}:
                stale.unlink()
        wheels = []
        for addon in addons:
            before = set(outdir.glob("*.whl"))
            result = subprocess.run(
                [
                    *(sys.executable, "-m", "build", "--wheel", "--no-isolation"),
                    *("--outdir", str(outdir), str(addon)),
                ],
                cwd=clone,
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode:
                sys.stderr.write(result.stdout + result.stderr)
                sys.exit(f"building the wheel of {addon.name} failed")
            built = sorted(set(outdir.glob("*.whl")) - before)
            if len(built) != 1:
                sys.exit(f"expected one new wheel for {addon.name}, found {built}")
            wheels.append(built[0])
            if not quiet:
                print(f"{addon.name} {manifest(addon)['version']}: {built[0].name}")
    return wheels


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--outdir", type=Path, default=ROOT / "dist", help="default: dist/")
    parser.add_argument("--ref", default="HEAD", help="commit to build (default: HEAD)")
    args = parser.parse_args()
    wheels = build_wheels(args.outdir, args.ref)
    print(f"{len(wheels)} wheels in {args.outdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
