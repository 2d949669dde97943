"""``[wms_bridge]`` section of the Odoo configuration file.

Odoo 19 keeps only ``[options]`` in ``odoo.tools.config``; the addon reads its own
section from the same file (``config.rcfile``), like queue_job reads ``[queue_job]``.
"""

import configparser
import os

from odoo.tools import config

DEFAULT_HTTP_TIMEOUT = 30.0


def get_settings() -> dict:
    """``{"http_timeout": float, "drop_root": str}`` with defaults for missing keys."""
    values: dict = {}
    misc = getattr(config, "misc", None) or {}
    values.update(misc.get("wms_bridge") or {})
    rcfile = config.rcfile if hasattr(config, "rcfile") else config.get("config")
    if rcfile and os.path.exists(rcfile):
        parser = configparser.RawConfigParser()
        parser.read([rcfile])
        if parser.has_section("wms_bridge"):
            values.update(dict(parser.items("wms_bridge")))
    try:
        timeout = float(values.get("http_timeout") or DEFAULT_HTTP_TIMEOUT)
    except ValueError:
        timeout = DEFAULT_HTTP_TIMEOUT
    drop_root = values.get("drop_root") or os.path.join(config["data_dir"], "edi")
    return {"http_timeout": timeout, "drop_root": drop_root}
