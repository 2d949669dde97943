"""19.0.1.2.0: every excursion gets the code and parameters of its explanation, and
the excursion alert is written in the on-call contacts' language and says what
happened.

The explanation follows from what an excursion stores (side, peak, durations, MKT,
metric) and from the rule version that fired, which never changes: it is computed
for every existing excursion exactly as the evaluation now computes it for new ones
(``engine/messages.py: explain``).

The alert's mail template is ``noupdate`` data, which an upgrade never reloads: it
is reloaded here from this version's file if nobody edited it since it was
installed; an edited template keeps its text and only gets the language."""

import json
import logging
from types import SimpleNamespace

from psycopg2.extras import execute_values

from odoo import SUPERUSER_ID, api
from odoo.tools.convert import convert_file

_logger = logging.getLogger(__name__)

TEMPLATE = "coldchain_excursion_mail_template_alert"
TEMPLATE_FILE = "data/coldchain_excursion_mail_template.xml"
BATCH = 1000


def _event(excursion):
    """The engine event an excursion was made from (the fields explain() reads)."""
    return SimpleNamespace(
        side=excursion.side,
        peak=None if excursion.category == "monitoring_lost" else excursion.peak,
        duration_s=excursion.duration_s,
        time_out_of_range_s=excursion.time_out_of_range_s,
        mkt=excursion.mkt if excursion.kind == "mkt" else None,
        metric=excursion.metric,
        is_open=excursion.is_open,
    )


def fill_excursions(env):
    """Code and parameters of the explanation of every excursion that has none."""
    Excursion = env["coldchain.excursion"].with_context(active_test=False)
    env.cr.execute("SELECT id FROM coldchain_excursion WHERE reason_code IS NULL ORDER BY id")
    ids = [row[0] for row in env.cr.fetchall()]
    done = 0
    for start in range(0, len(ids), BATCH):
        values = []
        for excursion in Excursion.browse(ids[start : start + BATCH]):
            code, params = Excursion._explain(
                excursion.rule_id, _event(excursion), excursion.sensor_id
            )
            if code:
                values.append((excursion.id, code, json.dumps(params)))
        if values:
            execute_values(
                env.cr,
                "UPDATE coldchain_excursion e SET reason_code = v.code, "
                "reason_params = v.params::jsonb FROM (VALUES %s) AS v(id, code, params) "
                "WHERE e.id = v.id",
                values,
            )
        done += len(values)
        env.invalidate_all()
    _logger.info("excursions: %s of %s explanations given parameters", done, len(ids))


def refresh_template(env):
    """The alert template from this version's file, unless edited since installed."""
    template = env.ref(f"coldchain_sites.{TEMPLATE}", raise_if_not_found=False)
    if not template:
        return
    env.cr.execute(
        "SELECT write_date <= create_date + interval '1 second' FROM mail_template WHERE id = %s",
        [template.id],
    )
    if env.cr.fetchone()[0]:
        # mode "init": noupdate data is loaded again (an upgrade skips it)
        convert_file(env, "coldchain_sites", TEMPLATE_FILE, {}, mode="init", noupdate=True)
        _logger.info("excursion alert template reloaded (not edited since installation)")
    elif not template.lang:
        template.lang = "{{ object.alert_lang }}"
        _logger.info("excursion alert template edited: only its language is set")


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    fill_excursions(env)
    refresh_template(env)
