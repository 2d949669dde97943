"""Partners against Odoo in workers mode, with and without the shipped nginx in front.

Starts the stack of tests/test_nginx_proxy.py (a throw-away database with
wms_bridge, Odoo ``--workers=2`` and its gevent worker, Debian's nginx with
config/nginx/nginx.conf.template on loopback), then measures on each endpoint:

* slow clients: the answer time of a valid partner's post while 20 slow senders
  (half of them with the partner's valid secret) dribble a body at 1 byte/s;
* a burst: 50 valid posts at the same instant: HTTP answers, resets, slowest.

The last line is the figure: ``proxy: slow-client answer X s (direct Y s);
burst 50 -> A answers / B resets (direct C / D)``.  Needs nginx, openssl and
Odoo 19; exits 2 with the reason otherwise.

    make bench-proxy
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import nginx_support as ns


def measure(proxy: ns.ProxyStack, endpoint: ns.Endpoint, timeout: float) -> dict:
    slow = ns.slow_client_figure(proxy, endpoint, timeout=timeout)
    ns.wait_idle(proxy)
    burst = ns.burst(endpoint, proxy.inbound_path, ns.BODY, proxy.auth_headers(), count=50)
    ns.wait_idle(proxy)
    return {"slow": slow, "burst": burst}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--timeout", type=float, default=30, help="seconds a partner waits")
    parser.add_argument(
        "--db", default=None, help="keep this database between runs (made if missing)"
    )
    args = parser.parse_args(argv)
    reason = ns.missing_tools()
    if reason:
        print(f"bench-proxy NOT RUN: {reason}")
        return 2
    with tempfile.TemporaryDirectory() as tmp, ns.proxy_stack(Path(tmp), reuse_db=args.db) as proxy:
        results = {}
        for endpoint in (proxy.direct, proxy.proxied):
            results[endpoint.name] = figures = measure(proxy, endpoint, args.timeout)
            print(f"{endpoint.name}: {figures}", flush=True)
    direct, proxied = results[proxy.direct.name], results[proxy.proxied.name]

    def slow(figures):
        return f"{figures['slow']['seconds']} s ({figures['slow']['status']})"

    def burst(figures):
        return f"{figures['burst']['answered']} answers / {figures['burst']['resets']} resets"

    print(
        f"proxy: slow-client answer {slow(proxied)} (direct {slow(direct)}); "
        f"burst 50 -> {burst(proxied)} (direct {burst(direct)})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
