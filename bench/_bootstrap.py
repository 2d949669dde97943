"""Imported first by every benchmark: engines importable without Odoo."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

import engine_packages

engine_packages.register()
