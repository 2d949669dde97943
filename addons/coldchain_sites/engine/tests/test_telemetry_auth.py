"""Broker credential files (pure; the real Mosquitto checks them in tests/)."""

import base64
import hashlib
import os
import signal
import subprocess
import sys

import pytest

from coldchain_sites.engine import telemetry_auth as auth

# Produced by `mosquitto_passwd -b passwd alice secret` (Mosquitto 2.0.11).
MOSQUITTO_ENTRY = (
    "$7$101$hFSlC1TCqF6s/x0N$zmfw3U+Yn4lSGexE8h5SjGbstT2LjBen5tMXndz3v/LEi75jauPR0SEXghK+e3C"
    "bBDtGwLJuBrjS8hn2h6zmjQ=="
)


def test_hash_is_pbkdf2_sha512_in_mosquittos_format():
    salt = bytes(range(12))
    entry = auth.hash_password("secret", salt=salt, iterations=101)
    _empty, kind, iterations, b64salt, b64key = entry.split("$")
    assert (kind, iterations, base64.b64decode(b64salt)) == ("7", "101", salt)
    assert base64.b64decode(b64key) == hashlib.pbkdf2_hmac("sha512", b"secret", salt, 101)
    assert auth.verify_password("secret", entry)
    assert not auth.verify_password("Secret", entry)


def test_verifies_what_mosquitto_passwd_wrote():
    assert auth.verify_password("secret", MOSQUITTO_ENTRY)
    assert not auth.verify_password("other", MOSQUITTO_ENTRY)
    for broken in ("", "$6$x$y", "$7$abc$x$y", "$7$10$!!!$y", "plain"):
        assert not auth.verify_password("secret", broken)


def test_generated_passwords_are_random_and_salts_differ():
    passwords = {auth.generate_password() for _ in range(50)}
    assert len(passwords) == 50 and all(len(p) == 32 for p in passwords)
    assert auth.hash_password("x") != auth.hash_password("x")


def test_files_confine_each_gateway_to_its_site_and_id():
    gateways = [
        auth.GatewayAccess("RTM-GW2", "RTM", auth.hash_password("b")),
        auth.GatewayAccess("RTM-GW1", "RTM", auth.hash_password("a")),
    ]
    passwd = auth.render_password_file("coldchain-ingest", auth.hash_password("i"), gateways)
    users = [line.split(":")[0] for line in passwd.splitlines() if not line.startswith("#")]
    assert users == ["coldchain-ingest", "RTM-GW1", "RTM-GW2"]
    acl = auth.render_acl_file("coldchain-ingest", gateways)
    body = [line for line in acl.splitlines() if line and not line.startswith("#")]
    assert body == [
        "user coldchain-ingest",
        "topic read sites/#",
        "topic read $share/+/sites/#",
        "user RTM-GW1",
        "topic write sites/RTM/gateways/RTM-GW1/#",
        "topic read sites/RTM/gateways/RTM-GW1/commands/#",
        "user RTM-GW2",
        "topic write sites/RTM/gateways/RTM-GW2/#",
        "topic read sites/RTM/gateways/RTM-GW2/commands/#",
    ]
    assert auth.password_entry(passwd, "RTM-GW1") == gateways[1].password_hash
    assert auth.password_entry(passwd, "nobody") is None


@pytest.mark.parametrize(
    ("code", "site", "password_hash"),
    [
        ("GW 1", "RTM", None),
        ("GW1", "R/T", None),
        ("GW#", "RTM", None),
        ("GW1\nuser admin", "RTM", None),
        ("GW1", "RTM", "$7$10$abc\ntopic write #"),
        ("GW1", "RTM", "cleartext"),
        ("coldchain-ingest", "RTM", None),  # a gateway cannot take the service's name
    ],
)
def test_nothing_unsafe_reaches_the_files(code, site, password_hash):
    gateway = auth.GatewayAccess(code, site, password_hash or auth.hash_password("p"))
    with pytest.raises(auth.AuthError):
        auth.render_password_file("coldchain-ingest", auth.hash_password("i"), [gateway])
        auth.render_acl_file("coldchain-ingest", [gateway])


def test_write_files_replaces_atomically_with_private_mode(tmp_path):
    (tmp_path / "acl").write_text("old")
    auth.write_files(tmp_path, {"acl": "new\n", "passwd": "x:y\n"})
    assert (tmp_path / "acl").read_text() == "new\n"
    assert oct((tmp_path / "passwd").stat().st_mode & 0o777) == "0o640"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["acl", "passwd"]
    with pytest.raises(auth.AuthError):
        auth.write_files(tmp_path / "missing", {"acl": ""})


def test_reload_sends_sighup_to_the_pid_in_the_pid_file(tmp_path):
    child = subprocess.Popen(
        [sys.executable, "-c", "import signal, sys, time\n"
         "signal.signal(signal.SIGHUP, lambda *a: sys.exit(42))\n"
         "print('ready', flush=True)\ntime.sleep(30)"],
        stdout=subprocess.PIPE,
    )  # fmt: skip
    try:
        assert child.stdout.readline() == b"ready\n"
        pid_file = tmp_path / "mosquitto.pid"
        pid_file.write_text(f"{child.pid}\n")
        assert auth.reload_broker(pid_file) == child.pid
        assert child.wait(10) == 42
    finally:
        if child.poll() is None:
            os.kill(child.pid, signal.SIGKILL)
    for content in ("", "abc", "1"):
        pid_file.write_text(content)
        with pytest.raises(auth.AuthError):
            auth.reload_broker(pid_file)
