"""``[wms_bridge]`` section of the Odoo configuration file.

Odoo 19 keeps only ``[options]`` in ``odoo.tools.config``; the addon reads its own
section from the same file (``config.rcfile``), like queue_job reads ``[queue_job]``.
"""

import configparser
import os

from odoo.tools import config

DEFAULT_HTTP_TIMEOUT = 30.0
# Largest interchange a partner may POST to the inbound endpoint (bytes).  Odoo's
# own request limit (128 MiB) caps it anyway.
DEFAULT_INBOUND_MAX_BYTES = 16 * 1024 * 1024
_TRUE = {"1", "true", "yes", "on"}


def _raw_values() -> dict:
    values: dict = {}
    misc = getattr(config, "misc", None) or {}
    values.update(misc.get("wms_bridge") or {})
    rcfile = config.rcfile if hasattr(config, "rcfile") else config.get("config")
    if rcfile and os.path.exists(rcfile):
        parser = configparser.RawConfigParser()
        parser.read([rcfile])
        if parser.has_section("wms_bridge"):
            values.update(dict(parser.items("wms_bridge")))
    return values


def settings_from_values(values: dict) -> dict:
    """The settings from the section's raw ``values`` (strings), with defaults for
    missing or unusable keys:

    * ``http_timeout`` (float, seconds), ``drop_root`` (folder),
      ``inbound_max_bytes`` (int);
    * ``allow_insecure_http`` (bool, default False): partners' outbound URLs may be
      ``http://``.  A test and development switch only: in production every URL a
      partner's secret is sent to must be ``https://``.
    """
    try:
        timeout = float(values.get("http_timeout") or DEFAULT_HTTP_TIMEOUT)
    except ValueError:
        timeout = DEFAULT_HTTP_TIMEOUT
    drop_root = values.get("drop_root") or os.path.join(config["data_dir"], "edi")
    try:
        max_bytes = int(values.get("inbound_max_bytes") or DEFAULT_INBOUND_MAX_BYTES)
    except ValueError:
        max_bytes = DEFAULT_INBOUND_MAX_BYTES
    if max_bytes <= 0:
        max_bytes = DEFAULT_INBOUND_MAX_BYTES
    insecure = str(values.get("allow_insecure_http") or "").strip().lower() in _TRUE
    return {
        "http_timeout": timeout,
        "drop_root": drop_root,
        "inbound_max_bytes": max_bytes,
        "allow_insecure_http": insecure,
    }


def get_settings() -> dict:
    """The ``[wms_bridge]`` settings of the running server (see
    :func:`settings_from_values`)."""
    return settings_from_values(_raw_values())
