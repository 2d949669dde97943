#!/usr/bin/env python3
"""Benchmark: SOAP calls through wms_bridge against zeep called directly.

    python3 bench/bench_soap.py [--calls 2000] [--batch 100]

In a scratch database (``bench_soap``, created with our addons on first use) it
starts the loopback carrier service (``simulators/soap_partner.py``), configures a
SOAP service and an active tracking mapping, and makes ``--calls`` GetTracking
calls twice, alternating batch by batch so that both see the same machine load:

* raw: zeep's client on the same WSDL and endpoint, the payload built by hand;
* ours: ``wms.soap.operation._call`` on deliveries: values gathered from the
  records, request built by the mapping, call through the adapter (timeouts,
  envelopes kept and masked), one ``edi.exchange.record`` per call (created in one
  batch per call batch) and the response written back onto each delivery.

Last line: ``soap_calls_per_s=<ours> zeep_raw_calls_per_s=<raw> overhead_ms=<per call>``
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path
from unittest.mock import patch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import stack  # noqa: E402

DB = "bench_soap"
TRACKING = (
    '{"request": {"tracking_number": "name"}, "response": '
    '{"wms_soap_tracking_status": "status", "wms_soap_tracking_location": "location"}}'
)


def prepare_database(fresh: bool) -> Path:
    values = stack.settings(DB, http_port=stack.free_port())
    config = stack.render_config(stack.LOCAL / f"odoo-{DB}.conf", values)
    if fresh and stack.database_exists(DB):
        stack.drop_database(DB)
    missing = (
        stack.missing_addons(DB, ("wms_bridge",)) if stack.database_exists(DB) else ["wms_bridge"]
    )
    if missing:
        print(f"installing {', '.join(missing)} into {DB} (once)", file=sys.stderr, flush=True)
        subprocess.run(
            stack.odoo_command(
                config, "-d", DB, "-i", ",".join(missing), "--stop-after-init", "--log-level=warn"
            ),
            check=True,
        )
    return config


def timed_calls(env, raw, operation, pickings, calls, batch):
    """Alternate raw and ours batch by batch; returns their seconds."""
    names = pickings.mapped("name")
    operation._call(pickings[:5])  # warm both paths (WSDL parsed, caches filled)
    raw.service.GetTracking(tracking_number=names[0])
    env.cr.rollback()
    elapsed = {"ours": 0.0, "raw": 0.0}
    done = 0
    while done < calls:
        count = min(batch, calls - done)
        t0 = time.perf_counter()
        for name in names[:count]:
            raw.service.GetTracking(tracking_number=name)
        elapsed["raw"] += time.perf_counter() - t0
        t0 = time.perf_counter()
        exchanges = operation._call(pickings[:count])
        env.flush_all()
        elapsed["ours"] += time.perf_counter() - t0
        if any(e.edi_exchange_state != "output_sent_and_processed" for e in exchanges):
            raise SystemExit(f"a call failed: {exchanges.mapped('exchange_error')}")
        env.cr.commit()
        env.invalidate_all()
        done += count
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--fresh", action="store_true")
    args = parser.parse_args()
    config = prepare_database(args.fresh)

    import zeep
    from zeep.transports import Transport

    import odoo
    from odoo.modules.registry import Registry
    from odoo.tools import config as odoo_config

    odoo_config.parse_config(["-c", str(config), "-d", DB, "--log-level=warn"], setup_logging=True)
    odoo.modules.module.initialize_sys_path()  # our addons path, for the imports below
    from odoo.addons.wms_bridge.simulators.soap_partner import SoapPartner
    from odoo.addons.wms_bridge.tools.settings import settings_from_values

    partner = SoapPartner().start()
    insecure = settings_from_values({"allow_insecure_http": "True"})
    registry = Registry(DB)
    with (
        patch("odoo.addons.wms_bridge.models.wms_soap.get_settings", return_value=insecure),
        registry.cursor() as cr,
    ):
        env = odoo.api.Environment(cr, odoo.api.SUPERUSER_ID, {})
        Service = env["wms.soap.service"]
        Service.search([("code", "=", "bench")]).operation_ids.sudo().unlink()
        Service.search([("code", "=", "bench")]).unlink()
        service = Service.create(
            {"name": "Bench carrier", "code": "bench", "wsdl_url": partner.url() + "?wsdl",
             "operation_timeout": 10}
        )  # fmt: skip
        operation = env["wms.soap.operation"].create(
            {"service_id": service.id, "name": "Track", "operation": "GetTracking",
             "use": "manual", "model_id": env["ir.model"]._get("stock.picking").id,
             "mapping": TRACKING}
        )  # fmt: skip
        operation.action_activate()
        picking_type = env["stock.warehouse"].search([], limit=1).out_type_id
        pickings = env["stock.picking"].search([("origin", "=", "BENCH-SOAP")])
        if len(pickings) < args.batch:
            pickings |= env["stock.picking"].create(
                [
                    {
                        "picking_type_id": picking_type.id,
                        "origin": "BENCH-SOAP",
                        "name": f"BENCH-SOAP-{index:05d}",
                    }
                    for index in range(len(pickings), args.batch)
                ]
            )
        pickings = pickings[: args.batch]
        env.cr.commit()

        raw = zeep.Client(
            partner.url() + "?wsdl", transport=Transport(timeout=10, operation_timeout=10)
        )
        elapsed = timed_calls(env, raw, operation, pickings, args.calls, args.batch)
        logged = env["edi.exchange.record"].search_count(
            [("wms_soap_operation_id", "=", operation.id)]
        )
    partner.stop()
    ours = args.calls / elapsed["ours"]
    raw_rate = args.calls / elapsed["raw"]
    overhead = (elapsed["ours"] - elapsed["raw"]) / args.calls * 1000
    print(f"calls={args.calls} batch={args.batch} logged={logged} "
          f"ours_s={elapsed['ours']:.2f} raw_s={elapsed['raw']:.2f}")  # fmt: skip
    print(
        f"soap_calls_per_s={ours:.0f} zeep_raw_calls_per_s={raw_rate:.0f} "
        f"overhead_ms={overhead:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
