"""The shipped nginx configuration in front of Odoo in workers mode (issue 22).

Debian's nginx runs ``config/nginx/nginx.conf.template`` (rendered only for
loopback ports, a temporary directory and a self-signed certificate) in front of
Odoo started with ``--workers=2`` and its gevent worker, on a throw-away database
with wms_bridge and one trading partner that receives over HTTP (about three
minutes to install).  It shows what the proxy is for:

* 20 slow senders (1 byte/s, half with the partner's valid secret) do not stop a
  valid partner's post being answered within a few seconds;
* a burst of 50 concurrent posts gets 50 HTTP answers and no reset;
* an oversized body is refused by nginx before anything reaches Odoo;
* the bus websocket works through the proxy: a websocket client receives a
  notification that Odoo's ORM sends on the bus.

The same measures taken directly against Odoo, and printed side by side, are
``make bench-proxy``.  Without nginx, openssl or Odoo 19 the module is skipped
with the reason (never passed).
"""

from __future__ import annotations

import functools
import getpass
import importlib.util
import json
import os
import re
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import nginx_support as ns
import pytest
from support import ROOT

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@functools.cache
def _missing():
    return ns.missing_tools()


def _skip_if_missing():
    if _missing():
        pytest.skip(f"NGINX PROXY NOT TESTED: {_missing()}")


@pytest.fixture(scope="module")
def proxy(tmp_path_factory):
    _skip_if_missing()
    workdir = tmp_path_factory.mktemp("proxy")
    # NGINX_PROXY_TEST_DB=<name>: keep the database between runs (when changing this file)
    reuse = os.environ.get("NGINX_PROXY_TEST_DB")
    with ns.proxy_stack(workdir, log=lambda _m: None, reuse_db=reuse) as stack:
        yield stack


def test_template_renders_every_placeholder_and_nginx_accepts_it(tmp_path):
    _skip_if_missing()
    cert, key = ns.self_signed_certificate(tmp_path)
    values = {
        "NGINX_USER": getpass.getuser(),
        "NGINX_RUN_DIR": str(tmp_path),
        "NGINX_LOG_DIR": str(tmp_path),
        "NGINX_HTTP_PORT": "127.0.0.1:1",
        "NGINX_HTTPS_PORT": "127.0.0.1:2",
        "NGINX_CERT": str(cert),
        "NGINX_CERT_KEY": str(key),
        "ODOO_HTTP": "127.0.0.1:3",
        "ODOO_WEBSOCKET": "127.0.0.1:4",
    }
    conf = tmp_path / "nginx.conf"
    conf.write_text(ns.render_nginx(values))
    checked = subprocess.run(
        [ns.nginx_binary(), "-t", "-e", str(tmp_path / "error.log"), "-c", str(conf)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
    # the Docker entrypoint substitutes exactly the same names
    entrypoint = (ROOT / "docker" / "nginx" / "entrypoint.sh").read_text()
    listed = re.search(r"envsubst '([^']*)'", entrypoint).group(1)
    assert set(re.findall(r"\$\{(\w+)\}", listed)) == set(values)
    with pytest.raises(KeyError):
        ns.render_nginx({})
    if shutil.which("envsubst"):  # the entrypoint's renderer gives the same file
        rendered = subprocess.run(
            ["envsubst", listed],
            input=ns.NGINX_TEMPLATE.read_text(),
            env={**os.environ, **values},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert rendered == conf.read_text()


def test_access_log_carries_no_query_string_nor_credentials():
    text = ns.NGINX_TEMPLATE.read_text()
    formats = re.findall(r"log_format\s+\w+((?:\s+'[^']*')+)\s*;", text)
    assert formats, "the template defines its access log format"
    for variable in ("$request ", "$request_uri", "$args", "$query_string", "$http_authorization",
                     "$http_cookie", "$arg_"):  # fmt: skip
        assert all(variable not in fmt + " " for fmt in formats), variable
    for access_log in re.findall(r"access_log\s+([^;]+);", text):
        assert access_log.split()[-1] in ("distribution", "off"), access_log


def test_slow_clients_do_not_block_a_valid_partner(proxy):
    figure = ns.slow_client_figure(proxy, proxy.proxied, timeout=30)
    print(f"\nslow clients, through nginx: valid partner answered {figure}")
    assert figure["status"] == 202, figure
    assert figure["seconds"] < 5, figure


def test_a_burst_of_50_posts_gets_50_http_answers(proxy):
    result = ns.burst(proxy.proxied, proxy.inbound_path, ns.BODY, proxy.auth_headers(), count=50)
    print(f"\nburst of 50 through nginx: {result}")
    assert result["answered"] == 50, result
    assert result["resets"] == 0, result
    # accepted, or told to come back (rate limit per address): nothing else
    assert set(result["statuses"]) <= {202, 429}, result
    assert result["statuses"].get(202, 0) >= 40, result


def _headers_only(endpoint, path, length, headers):
    """Send the headers of a ``length``-byte POST, no body: nginx's answer."""
    sock = endpoint.raw_socket(timeout=10)
    try:
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        request = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{head}"
        sock.sendall(f"{request}Content-Length: {length}\r\n\r\n".encode())
        answer = b""
        while b"</html>" not in answer:
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
        return answer.decode("latin-1")
    finally:
        sock.close()


def test_oversized_bodies_are_refused_by_the_proxy(proxy):
    access_log = proxy.workdir / "nginx" / "log" / "access.log"
    cases = [
        (proxy.inbound_path, 16 * 1024 * 1024 + 1, proxy.auth_headers()),  # EDI cap 16 MiB
        ("/web/binary/upload_attachment", 9 * 1024 * 1024, {}),  # 8 MiB elsewhere
        ("/no/such/route", 9 * 1024 * 1024, {"Content-Type": "multipart/form-data; b=x"}),
        ("/web/login", 100 * 1024, {"Content-Type": "application/x-www-form-urlencoded"}),
    ]
    for path, length, headers in cases:
        answer = _headers_only(proxy.proxied, path, length, headers)
        assert answer.startswith("HTTP/1.1 413"), (path, answer[:200])
        assert "<center>nginx</center>" in answer, "the answer is nginx's, not Odoo's"
    time.sleep(0.5)  # nginx writes the log line when the request ends
    refused = [line for line in access_log.read_text().splitlines() if '" 413 ' in line]
    assert len(refused) >= len(cases)
    # nginx answered them itself: no upstream time means Odoo never saw them
    assert all(line.split()[-2] == "-" for line in refused[-len(cases) :]), refused


def _bus_version():
    """The bus worker version Odoo expects (an outdated one is closed at once)."""
    spec = importlib.util.find_spec("odoo")
    for base in spec.submodule_search_locations if spec else ():
        for addons in (Path(base) / "addons", Path(base).parent / "addons"):
            path = addons / "bus" / "websocket.py"
            if not path.exists():
                continue
            found = re.search(r'_VERSION = "([^"]+)"', path.read_text())
            if found:
                return found.group(1)
    return None


def test_bus_websocket_through_the_proxy(proxy):
    websocket = pytest.importorskip("websocket", reason="websocket-client is not installed")
    import ssl

    version = _bus_version()
    url = f"wss://127.0.0.1:{proxy.https_port}/websocket"
    if version:
        url += f"?version={version}"
    ws = websocket.create_connection(
        url,
        sslopt={"cert_reqs": ssl.CERT_NONE, "check_hostname": False},
        origin=f"https://127.0.0.1:{proxy.https_port}",
        timeout=30,
    )
    try:
        ws.send(json.dumps({"event_name": "subscribe", "data": {"channels": [], "last": 0}}))
        marker = uuid.uuid4().hex
        proxy.send_bus_notification("distribution/proxy_probe", {"marker": marker})
        deadline = time.monotonic() + 30
        received = []
        while time.monotonic() < deadline:
            message = ws.recv()
            received.append(message)
            if marker in message:
                break
        else:
            pytest.fail(f"no bus notification through the proxy in 30 s: {received}")
        notifications = json.loads(received[-1])
        assert any(
            n["message"]["type"] == "distribution/proxy_probe"
            and n["message"]["payload"] == {"marker": marker}
            for n in notifications
        ), notifications
    finally:
        ws.close()


def test_login_posts_are_rate_limited_per_address(proxy):
    """10 login posts a minute per address, bursts of 10: beyond the 11th in a row
    nginx refuses them (429) without reaching Odoo; the login page is not limited."""
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    statuses = [
        ns.post(proxy.proxied, "/web/login", b"login=x&password=y", form, timeout=30)
        for _ in range(20)
    ]
    assert 429 in statuses, statuses
    assert 429 not in statuses[:11], statuses
    # one budget per address for every password check, JSON-RPC login included
    rpc = {"Content-Type": "application/json"}
    status = ns.post(proxy.proxied, "/web/session/authenticate", b"{}", rpc, timeout=30)
    assert status == 429
    conn = proxy.proxied.connection(timeout=30)
    try:
        conn.request("GET", "/web/login")
        assert conn.getresponse().status == 200
    finally:
        conn.close()


def test_database_manager_is_closed_at_the_proxy(proxy):
    conn = proxy.proxied.connection(timeout=30)
    try:
        conn.request("GET", "/web/database/manager")
        response = conn.getresponse()
        assert response.status == 404
        assert b"<center>nginx</center>" in response.read()
    finally:
        conn.close()
