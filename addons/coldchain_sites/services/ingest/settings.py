"""Settings of the ingestion service, read from the Odoo configuration file.

``[options]`` gives the database (db_host, db_port, db_user, db_password, db_name);
``[coldchain_sites]`` the broker and the service's tuning (README, "Telemetry for
installers").  The broker password comes from ``COLDCHAIN_MQTT_PASSWORD`` only;
``PGPASSWORD`` is honoured when db_password is empty, like libpq does.
"""

from __future__ import annotations

import configparser
import getpass
import os
import re
from dataclasses import dataclass, field

from ...engine.telemetry import MAX_PAYLOAD, Limits

FALSE = {"", "0", "false", "no", "off", "none"}


@dataclass
class Settings:
    db: dict = field(default_factory=dict)
    mqtt_host: str = "127.0.0.1"
    mqtt_port: int = 1883
    mqtt_username: str | None = None
    mqtt_password: str | None = None
    mqtt_tls: bool = False
    mqtt_ca_file: str | None = None
    mqtt_client_id: str = "coldchain-ingest"
    # N instances on one MQTT shared subscription ($share/<group>/sites/#): each
    # message goes to one of them; empty: a plain subscription (one instance)
    mqtt_share_group: str = ""
    mqtt_keepalive: int = 30
    batch_rows: int = 5000
    batch_bytes: int = 1_048_576
    flush_ms: int = 200
    queue_messages: int = 20_000
    queue_bytes: int = 16_777_216
    dead_letter_payload_bytes: int = 2048
    registry_refresh_s: int = 30
    silence_factor: float = 3.0
    sweep_interval_s: int = 30
    state_dir: str = ""
    poison_after: int = 3
    limits: Limits = field(default_factory=Limits)


def _value(section, key, default=None):
    value = section.get(key, fallback=None) if section is not None else None
    if value is None or value.strip().lower() in ("", "false", "none"):
        return default
    return value.strip()


def _default_state_dir(options) -> str:
    """``<Odoo's data_dir>/coldchain_ingest`` (Odoo's own default data_dir when unset)."""
    data_dir = _value(options, "data_dir", None) or os.path.join(
        os.path.expanduser("~"), ".local", "share", "Odoo"
    )
    return os.path.join(data_dir, "coldchain_ingest")


def load(path: str) -> Settings:
    parser = configparser.RawConfigParser()
    with open(path, encoding="utf-8") as handle:
        parser.read_file(handle)
    options = parser["options"] if parser.has_section("options") else None
    cold = parser["coldchain_sites"] if parser.has_section("coldchain_sites") else None
    db = {
        "host": _value(options, "db_host", None),
        "port": int(_value(options, "db_port", "5432")),
        "user": _value(options, "db_user", None) or getpass.getuser(),
        "password": _value(options, "db_password", None) or os.environ.get("PGPASSWORD"),
        "dbname": _value(options, "db_name", None),
    }
    if not db["dbname"]:
        raise SystemExit("ingest: db_name is not set in [options] of the configuration file")
    tls = (_value(cold, "mqtt_tls", "false") or "false").lower() not in FALSE
    share_group = _value(cold, "mqtt_share_group", "") or ""
    if share_group and not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", share_group):
        raise SystemExit("ingest: mqtt_share_group: 1-64 letters, digits, '_', '-', '.' only")

    def num(key, default, kind=int):
        return kind(_value(cold, key, str(default)))

    return Settings(
        db=db,
        mqtt_host=_value(cold, "mqtt_host", "127.0.0.1"),
        mqtt_port=num("mqtt_port", 1883),
        mqtt_username=_value(cold, "mqtt_username", None),
        mqtt_password=os.environ.get("COLDCHAIN_MQTT_PASSWORD") or None,
        mqtt_tls=tls,
        mqtt_ca_file=_value(cold, "mqtt_ca_file", None),
        mqtt_client_id=_value(cold, "mqtt_client_id", "coldchain-ingest"),
        mqtt_share_group=share_group,
        batch_rows=num("ingest_batch_rows", 5000),
        batch_bytes=num("ingest_batch_bytes", 1_048_576),
        flush_ms=num("ingest_flush_ms", 200),
        queue_messages=num("ingest_queue_messages", 20_000),
        queue_bytes=num("ingest_queue_bytes", 16_777_216),
        dead_letter_payload_bytes=num("ingest_dead_letter_payload_bytes", 2048),
        registry_refresh_s=num("ingest_registry_refresh_s", 30),
        silence_factor=num("ingest_silence_factor", 3, float),
        sweep_interval_s=num("ingest_sweep_interval_s", 30),
        state_dir=_value(cold, "ingest_state_dir", None) or _default_state_dir(options),
        poison_after=num("ingest_poison_after", 3),
        limits=Limits(
            future_tolerance_s=num("ingest_future_tolerance_s", 300),
            retention_days=num("ingest_retention_days", 400),
            late_after_s=num("ingest_late_after_s", 600),
            max_payload_bytes=num("ingest_max_payload_bytes", MAX_PAYLOAD),
        ),
    )
