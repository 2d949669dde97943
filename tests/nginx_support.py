"""Odoo in workers mode behind the shipped nginx configuration, and the client
loads that measure it: used by tests/test_nginx_proxy.py and bench/bench_proxy.py.

* :func:`proxy_stack` (a context manager): a throw-away database with wms_bridge
  installed and one trading partner that receives over HTTP, Odoo started with
  ``--workers=2`` (and its gevent worker) on free loopback ports, and Debian's nginx
  started with ``config/nginx/nginx.conf.template`` rendered for those ports, a
  temporary directory and a self-signed certificate.  Everything is stopped and
  the database dropped at the end.
* :func:`burst`, :func:`slow_senders`, :func:`timed_post`: the partner loads.

Nothing here fakes a result: :func:`missing_tools` names what the machine lacks,
and the callers skip (or exit) with that reason.
"""

from __future__ import annotations

import getpass
import http.client
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from support import ROOT, free_port, wait_for_port

sys.path.insert(0, str(ROOT / "scripts"))
import stack

NGINX_TEMPLATE = ROOT / "config" / "nginx" / "nginx.conf.template"
PLACEHOLDER = re.compile(r"\$\{([A-Z][A-Z0-9_]*)\}")
INBOUND_CODE = "proxy-probe"
SECRET_ENV = "WMS_BRIDGE_SECRET_PROXY_PROBE"
BODY = b"ISA*00*          *00*          *ZZ*PROBE          *ZZ*US             *~"


def nginx_binary() -> str | None:
    found = shutil.which("nginx") or "/usr/sbin/nginx"
    return found if Path(found).exists() else None


def odoo_workers_command(config: Path, *extra: str) -> list[str]:
    """Odoo's server in workers mode, started from a script (see odoo_launcher.py)."""
    launcher = Path(__file__).resolve().parent / "odoo_launcher.py"
    return [sys.executable, str(launcher), "server", "-c", str(config), *extra]


def missing_tools() -> str | None:
    """Why the proxy stack cannot run here, or None."""
    if not nginx_binary():
        return "nginx is not installed (Debian package 'nginx')"
    if not shutil.which("openssl"):
        return "openssl is not installed (needed for the self-signed certificate)"
    version = stack.odoo_version()
    if not version or version[0] != 19:
        return f"Odoo 19 is not importable by {sys.executable}"
    return None


def render_nginx(values: dict[str, str]) -> str:
    """The shipped template with its ${NAME} placeholders filled (nginx's own
    $variables are left alone); every placeholder must have a value."""
    text = NGINX_TEMPLATE.read_text()
    missing = sorted({name for name in PLACEHOLDER.findall(text) if name not in values})
    if missing:
        raise KeyError(f"no value for {', '.join(missing)}")
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], text)


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "proxy.crt", directory / "proxy.key"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@dataclass
class Endpoint:
    """Where a client reaches Odoo: directly, or through nginx with TLS."""

    name: str
    port: int
    tls: bool

    @property
    def origin(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def connection(self, timeout: float) -> http.client.HTTPConnection:
        if self.tls:
            return http.client.HTTPSConnection(
                "127.0.0.1", self.port, timeout=timeout, context=insecure_context()
            )
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def raw_socket(self, timeout: float) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        if self.tls:
            sock = insecure_context().wrap_socket(sock, server_hostname="localhost")
        return sock


def insecure_context() -> ssl.SSLContext:
    """The stack's certificate is self-signed: the clients here do not verify it."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


@dataclass
class ProxyStack:
    db: str
    workdir: Path
    odoo_port: int
    gevent_port: int
    http_port: int
    https_port: int
    secret: str
    config: Path
    processes: list[subprocess.Popen] = field(default_factory=list)

    @property
    def direct(self) -> Endpoint:
        return Endpoint("direct to Odoo", self.odoo_port, tls=False)

    @property
    def proxied(self) -> Endpoint:
        return Endpoint("through nginx", self.https_port, tls=True)

    @property
    def inbound_path(self) -> str:
        return f"/wms_bridge/inbound/{INBOUND_CODE}"

    def auth_headers(self, secret: str | None = None) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {secret or self.secret}",
            "Content-Type": "application/edi-x12",
        }

    def odoo_shell(self, code: str, timeout: float = 300) -> str:
        """Run ``code`` in ``odoo shell`` on the stack's database (it commits)."""
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "odoo",
                "shell",
                "-c",
                str(self.config),
                "-d",
                self.db,
                "--no-http",
                "--log-level=warn",
            ],
            input=code + "\nenv.cr.commit()\n",
            capture_output=True,
            text=True,
            timeout=timeout,
            env=self.environ(),
            cwd=ROOT,
            check=False,
        )
        if result.returncode:
            raise RuntimeError(f"odoo shell failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def environ(self) -> dict[str, str]:
        return {**os.environ, SECRET_ENV: self.secret}

    def send_bus_notification(self, kind: str, payload: dict) -> None:
        """One notification on the bus's broadcast channel, sent by Odoo's ORM."""
        message = json.dumps(payload)
        self.odoo_shell(
            f"import json\nenv['bus.bus']._sendone('broadcast', {kind!r}, json.loads({message!r}))"
        )


PARTNER_SCRIPT = """
contact = env["res.partner"].create({{"name": "Proxy probe 3PL"}})
env["wms.trading.partner"].create({{
    "name": "Proxy probe 3PL",
    "partner_id": contact.id,
    "role": "3pl",
    "transport": "directory",
    "drop_folder": "proxy-probe",
    "inbound_code": {code!r},
    "inbound_auth": "bearer",
    "inbound_secret_env": {env!r},
}})
"""


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def proxy_stack(workdir: Path, log=print, reuse_db: str | None = None):
    """Odoo (--workers=2) and nginx on loopback; see the module's docstring.

    ``reuse_db``: a database name kept between runs (made the first time, used as
    it is afterwards); without it a new database is made and dropped at the end."""
    db = reuse_db or f"pytest_proxy_{uuid.uuid4().hex[:10]}"
    odoo_port, gevent_port = free_port(), free_port()
    values = stack.settings(db, http_port=odoo_port)
    values["DATA_DIR"] = str(workdir / "odoo-data")
    config = stack.render_config(workdir / "odoo.conf", values)
    secret = uuid.uuid4().hex
    proxy = ProxyStack(
        db=db,
        workdir=workdir,
        odoo_port=odoo_port,
        gevent_port=gevent_port,
        http_port=free_port(),
        https_port=free_port(),
        secret=secret,
        config=config,
    )
    try:
        started = time.monotonic()
        if reuse_db and stack.database_exists(db):
            log(f"reusing database {db}")
        else:
            _create_database(proxy, log)
        log(f"database ready in {time.monotonic() - started:.0f} s; starting Odoo and nginx")
        odoo_log = (workdir / "odoo.log").open("ab")
        proxy.processes.append(
            subprocess.Popen(
                odoo_workers_command(
                    config,
                    "-d",
                    db,
                    "--workers=2",
                    f"--gevent-port={gevent_port}",
                    "--max-cron-threads=1",
                    "--proxy-mode",
                    "--log-level=warn",
                ),
                cwd=ROOT,
                env=proxy.environ(),
                stdout=odoo_log,
                stderr=subprocess.STDOUT,
            )
        )
        cert, key = self_signed_certificate(workdir)
        for sub in ("run", "log"):
            (workdir / "nginx" / sub).mkdir(parents=True, exist_ok=True)
        nginx_conf = workdir / "nginx" / "nginx.conf"
        # -e: the error log before the configuration is read (not /var/log/nginx)
        error_log = workdir / "nginx" / "log" / "error.log"
        nginx_conf.write_text(
            render_nginx(
                {
                    "NGINX_USER": getpass.getuser(),
                    "NGINX_RUN_DIR": str(workdir / "nginx" / "run"),
                    "NGINX_LOG_DIR": str(workdir / "nginx" / "log"),
                    "NGINX_HTTP_PORT": f"127.0.0.1:{proxy.http_port}",
                    "NGINX_HTTPS_PORT": f"127.0.0.1:{proxy.https_port}",
                    "NGINX_CERT": str(cert),
                    "NGINX_CERT_KEY": str(key),
                    "ODOO_HTTP": f"127.0.0.1:{odoo_port}",
                    "ODOO_WEBSOCKET": f"127.0.0.1:{gevent_port}",
                }
            )
        )
        check = subprocess.run(
            [nginx_binary(), "-t", "-q", "-e", str(error_log), "-c", str(nginx_conf)],
            capture_output=True,
            text=True,
            check=False,
        )
        if check.returncode:
            raise RuntimeError(f"nginx refuses the shipped configuration:\n{check.stderr}")
        proxy.processes.append(
            subprocess.Popen(
                [nginx_binary(), "-e", str(error_log), "-c", str(nginx_conf), "-g", "daemon off;"],
                stdout=subprocess.DEVNULL,
                stderr=(workdir / "nginx" / "log" / "stderr.log").open("ab"),
            )
        )
        for port in (odoo_port, gevent_port, proxy.https_port):
            wait_for_port(port, timeout=120)
        _wait_answering(proxy)
        yield proxy
    finally:
        for process in reversed(proxy.processes):
            _stop(process)
        if not reuse_db:
            stack.drop_database(db)


def _create_database(proxy: ProxyStack, log) -> None:
    log(f"installing wms_bridge into {proxy.db} (a few minutes)")
    subprocess.run(
        stack.odoo_command(
            proxy.config,
            "-d",
            proxy.db,
            "-i",
            "wms_bridge",
            "--stop-after-init",
            "--log-level=warn",
        ),
        check=True,
        cwd=ROOT,
        env=proxy.environ(),
        stdout=subprocess.DEVNULL,
    )
    proxy.odoo_shell(PARTNER_SCRIPT.format(code=INBOUND_CODE, env=SECRET_ENV))


def _wait_answering(proxy: ProxyStack, timeout: float = 120) -> None:
    """Until Odoo (its workers loaded the registry) answers through nginx."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            status = post(proxy.proxied, proxy.inbound_path, b"", {}, timeout=30)
            if status == 401:
                return
            last = status
        except OSError as error:
            last = error
        time.sleep(0.5)
    raise TimeoutError(f"Odoo does not answer through nginx: {last}")


# ------------------------------------------------------------------ client loads


def post(endpoint: Endpoint, path: str, body: bytes, headers: dict, timeout: float) -> int:
    conn = endpoint.connection(timeout)
    try:
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def timed_post(endpoint, path, body, headers, timeout) -> tuple[float, int | str]:
    """(seconds, status or the error's name); a timeout counts as ``timeout`` seconds."""
    started = time.monotonic()
    try:
        status = post(endpoint, path, body, headers, timeout)
    except TimeoutError:
        return timeout, "timeout"
    except OSError as error:
        return time.monotonic() - started, type(error).__name__
    return time.monotonic() - started, status


RESETS = (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected)


def burst(endpoint, path, body, headers, count=50, timeout=60) -> dict:
    """``count`` posts at the same instant: their statuses, resets, other errors,
    and the slowest answer."""
    barrier = threading.Barrier(count)
    outcomes: list[tuple[float, int | str]] = []
    lock = threading.Lock()

    def one():
        barrier.wait()
        started = time.monotonic()
        try:
            outcome = post(endpoint, path, body, headers, timeout)
        except RESETS:
            outcome = "reset"
        except TimeoutError:
            outcome = "timeout"
        except OSError as error:
            outcome = type(error).__name__
        with lock:
            outcomes.append((time.monotonic() - started, outcome))

    threads = [threading.Thread(target=one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout + 30)
    outcomes_only = [outcome for _seconds, outcome in outcomes]
    answered = [o for o in outcomes_only if isinstance(o, int)]
    return {
        "answered": len(answered),
        "statuses": dict(Counter(answered)),
        "resets": outcomes_only.count("reset"),
        "errors": dict(Counter(o for o in outcomes_only if isinstance(o, str) and o != "reset")),
        "slowest_s": round(max((s for s, _o in outcomes), default=0.0), 2),
    }


class SlowSenders:
    """``count`` clients that sent their headers (half with the partner's valid
    secret) and dribble a body one byte per second."""

    def __init__(self, endpoint, path, headers_valid, headers_bad, count=20, length=600):
        self.sockets: list[socket.socket] = []
        self.stop_event = threading.Event()
        for index in range(count):
            headers = headers_valid if index % 2 == 0 else headers_bad
            head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
            sock = endpoint.raw_socket(timeout=10)
            sock.sendall(
                (
                    f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{endpoint.port}\r\n{head}"
                    f"Content-Length: {length}\r\n\r\n"
                ).encode()
            )
            self.sockets.append(sock)
        self.thread = threading.Thread(target=self._dribble, daemon=True)
        self.thread.start()

    def _dribble(self):
        while not self.stop_event.wait(1.0):
            for sock in list(self.sockets):
                try:
                    sock.send(b"~")
                except OSError:
                    self.sockets.remove(sock)

    def close(self):
        self.stop_event.set()
        self.thread.join(5)
        for sock in self.sockets:
            with suppress(OSError):
                sock.close()


@contextmanager
def slow_senders(endpoint, path, headers_valid, headers_bad, count=20):
    senders = SlowSenders(endpoint, path, headers_valid, headers_bad, count=count)
    try:
        yield senders
    finally:
        senders.close()


def slow_client_figure(proxy: ProxyStack, endpoint: Endpoint, timeout: float = 30) -> dict:
    """A valid partner's post while 20 slow senders are connected: its answer time."""
    bad = proxy.auth_headers("not-the-secret")
    with slow_senders(endpoint, proxy.inbound_path, proxy.auth_headers(), bad):
        time.sleep(3)  # the slow senders have taken what they can
        seconds, status = timed_post(
            endpoint, proxy.inbound_path, BODY, proxy.auth_headers(), timeout
        )
    return {"seconds": round(seconds, 2), "status": status}


def wait_idle(proxy: ProxyStack, timeout: float = 60) -> None:
    """Until Odoo answers directly again (after a load that held its workers)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _seconds, status = timed_post(proxy.direct, proxy.inbound_path, b"", {}, 5)
        if status == 401:
            return
        time.sleep(1)
