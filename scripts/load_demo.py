#!/usr/bin/env python3
"""Load the demo distribution network into an Odoo database (idempotent).

    python3 scripts/load_demo.py -c .local/odoo.conf -d distribution --scale 1

Runs the stages of ``distribution.demo.network`` (addon ``distribution_demo``,
installed first if needed) and commits after each batch, so an interrupted load
resumes where it stopped.  ``make demo SCALE=10`` calls it through stack.py.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--scale", type=float, default=1.0)
    args, odoo_args = parser.parse_known_args()  # the rest goes to Odoo (--db_password ...)

    import odoo
    from odoo.modules.registry import Registry
    from odoo.tools import config

    config.parse_config(["-c", args.config, "-d", args.database, *odoo_args], setup_logging=True)
    log = logging.getLogger("load_demo")
    registry = Registry(args.database)
    started = time.monotonic()
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.api.SUPERUSER_ID, {})
        network = env["distribution.demo.network"]
        anchor = odoo.fields.Datetime.now().replace(microsecond=0)
        for stage in network.STAGES:
            t0 = time.monotonic()
            while network.load_stage(stage, args.scale, anchor):
                cr.commit()  # each batch is kept: an interrupted load resumes
            cr.commit()
            log.info("stage %s done in %.1f s", stage, time.monotonic() - t0)
    log.info("demo network at scale %s loaded in %.1f s", args.scale, time.monotonic() - started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
