"""The Docker stack is consistent with the repository (no Docker engine needed).

The stack itself runs where Docker does; these checks catch the drift that breaks
it silently: a mounted file that moved, a configuration section the template has
and the stack's file lacks, an image that is not the one documented.
"""

from __future__ import annotations

import configparser

import pytest
import yaml
from support import ROOT

DOCKER = ROOT / "docker"


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((DOCKER / "docker-compose.yml").read_text())


def test_services_and_images(compose):
    services = compose["services"]
    assert services["db"]["image"] == "postgres:16"
    assert services["mosquitto"]["image"] == "eclipse-mosquitto:2"
    assert services["odoo"]["build"]["dockerfile"] == "docker/Dockerfile"
    assert (DOCKER / "Dockerfile").read_text().splitlines()[1] == "FROM odoo:19.0"


def test_mounted_files_exist(compose):
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("."):
                assert (DOCKER / source).resolve().exists(), f"{name} mounts missing {source}"


def parse(path):
    parser = configparser.RawConfigParser()
    parser.read_string(path.read_text())
    return parser


def test_stack_config_has_every_option_of_the_template():
    template = parse(ROOT / "config" / "odoo.conf.template")
    stack = parse(DOCKER / "odoo.conf")
    for section in ("queue_job", "coldchain_sites", "wms_bridge"):
        assert set(template[section]) == set(stack[section]), section
    assert "queue_job" in stack["options"]["server_wide_modules"].split(",")


def test_mosquitto_persists_and_requires_credentials(compose):
    volumes = compose["services"]["mosquitto"]["volumes"]
    assert any(v.startswith("mosquitto-data:/mosquitto/data") for v in volumes)
    conf = (ROOT / "config" / "mosquitto" / "mosquitto.conf").read_text().splitlines()
    assert "persistence true" in conf
    assert "persistence_location /mosquitto/data/" in conf
    assert "allow_anonymous false" in conf


def test_stack_refuses_plain_http_partners_and_passes_partner_secrets(compose):
    stack = parse(DOCKER / "odoo.conf")
    assert stack["wms_bridge"]["allow_insecure_http"].strip().lower() in ("false", "0", "")
    env_files = compose["services"]["odoo"].get("env_file", [])
    paths = [entry["path"] if isinstance(entry, dict) else entry for entry in env_files]
    assert "./partner-secrets.env" in paths
    example = (DOCKER / "partner-secrets.env.example").read_text().splitlines()
    names = [line.split("=", 1)[0] for line in example if line and not line.startswith("#")]
    assert names and all(name.startswith("WMS_BRIDGE_SECRET_") for name in names)


def test_nginx_fronts_odoo_and_job_capacity_leaves_workers_free(compose):
    services = compose["services"]
    nginx = services["nginx"]
    assert (
        "../config/nginx/nginx.conf.template:/etc/nginx/distribution/nginx.conf.template:ro"
        in (nginx["volumes"])
    )
    assert {"80:80", "443:443"} <= set(nginx["ports"])
    # browsers and partners reach Odoo through nginx only
    assert not services["odoo"].get("ports")
    options = parse(DOCKER / "odoo.conf")["options"]
    assert options["proxy_mode"].strip() == "True"
    workers = int(options["workers"])
    channels = parse(DOCKER / "odoo.conf")["queue_job"]["channels"]
    root_capacity = int(dict(c.strip().split(":") for c in channels.split(","))["root"])
    # queue_job runs each job through an HTTP worker: some must stay free
    assert workers >= 2 and root_capacity < workers, (workers, channels)
