import base64
import json
import logging
import tempfile

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..engine import telemetry_archive
from .governance import check_governed, governed, governed_action

_logger = logging.getLogger(__name__)

PAGE_ROWS = 50_000

# One keyset page of a site's readings of a month (the site: the gateway that
# delivered the reading), in (sensor, ts) order, as archive rows.
ARCHIVE_PAGE = """
SELECT s.code, r.sensor_id, r.gateway_id, r.ts, r.value, r.seq, r.received_at, r.late,
       r.calibration_expired, r.ts AS key_ts
  FROM coldchain_reading r
  JOIN coldchain_sensor s ON s.id = r.sensor_id
 WHERE r.gateway_id = ANY(%(gateways)s) AND r.ts >= %(start)s AND r.ts < %(stop)s
   AND (r.sensor_id, r.ts) > (%(after_sensor)s, %(after_ts)s)
 ORDER BY r.sensor_id, r.ts
 LIMIT %(limit)s
"""
COUNT_MONTH = """
SELECT count(*) FROM coldchain_reading r
 WHERE r.gateway_id = ANY(%(gateways)s) AND r.ts >= %(start)s AND r.ts < %(stop)s
"""
PURGE_MONTH = """
DELETE FROM coldchain_reading r
 WHERE r.gateway_id = ANY(%(gateways)s) AND r.ts >= %(start)s AND r.ts < %(stop)s
"""


class ResCompany(models.Model):
    _inherit = "res.company"

    coldchain_retention_months = fields.Integer(
        string="Telemetry retention (months)",
        default=0,
        help="Readings are evidence: 0 keeps them forever.  Otherwise readings older "
        "than this many months may be deleted by an administrator, site by site and "
        "month by month, once the month was archived (Cold chain > Archives).",
    )


class ColdchainReadingArchive(models.Model):
    """A month of one site's readings, exported as gzip CSV with a manifest.

    Append-only: only the governed actions create archives and mark them purged."""

    _name = "coldchain.reading.archive"
    _description = "Telemetry monthly archive"
    _order = "month desc, warehouse_id"

    warehouse_id = fields.Many2one("stock.warehouse", string="Site", required=True, readonly=True)
    company_id = fields.Many2one(related="warehouse_id.company_id", store=True)
    month = fields.Date(required=True, readonly=True, help="First day of the month (UTC).")
    rows = fields.Integer(readonly=True)
    sha256 = fields.Char(string="SHA-256", readonly=True)
    manifest = fields.Text(readonly=True)
    file = fields.Binary(attachment=True, readonly=True)
    file_name = fields.Char(readonly=True)
    user_id = fields.Many2one("res.users", string="Archived by", readonly=True)
    purged = fields.Boolean(readonly=True)
    purged_rows = fields.Integer(readonly=True)
    purged_at = fields.Datetime(readonly=True)
    purged_by = fields.Many2one("res.users", readonly=True)

    _site_month_uniq = models.Constraint(
        "UNIQUE (warehouse_id, month)", "A site's month is archived once."
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_governed(self, set(vals), self.env._("A telemetry archive"))
        return super().create(vals_list)

    def write(self, vals):
        check_governed(self, set(vals), self.env._("A telemetry archive"))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise AccessError(self.env._("Telemetry archives are never deleted."))

    # ------------------------------------------------------------------ export
    @api.model
    @governed_action(
        "coldchain_sites.group_coldchain_manager",
        rule="sites the caller can read; a past month; once per site and month",
    )
    def action_archive_month(self, warehouse_ids, month):
        """Archive the readings of each site for ``month`` (any day of it)."""
        month = fields.Date.to_date(month).replace(day=1)
        if month >= fields.Date.today().replace(day=1):
            raise UserError(self.env._("Only a past month can be archived."))
        sites = self.env["stock.warehouse"].browse(warehouse_ids)
        sites.check_access("read")
        done = self.search_count([("warehouse_id", "in", sites.ids), ("month", "=", month)])
        if done:
            raise UserError(self.env._("This month is already archived for one of the sites."))
        archives = self.browse()
        for site in sites:
            archives |= self._archive_site_month(site, month)
        return archives.ids

    def _site_gateways(self, site):
        return (
            self.env["coldchain.gateway"]
            .sudo()
            .with_context(active_test=False)
            .search([("warehouse_id", "=", site.id)])
            .ids
        )

    def _archive_site_month(self, site, month):
        start, stop = telemetry_archive.month_bounds(month)
        params = {
            "gateways": self._site_gateways(site),
            "start": start,
            "stop": stop,
            "after_sensor": 0,
            "after_ts": "-infinity",
            "limit": PAGE_ROWS,
        }
        cr = self.env.cr

        def pages():
            while True:
                cr.execute(ARCHIVE_PAGE, params)
                rows = cr.fetchall()
                if not rows:
                    return
                yield [row[:9] for row in rows]
                if len(rows) < PAGE_ROWS:
                    return
                params["after_sensor"], params["after_ts"] = rows[-1][1], rows[-1][9]

        with tempfile.TemporaryFile() as spool:
            manifest = telemetry_archive.write_archive(spool, site.code, month, pages())
            spool.seek(0)
            data = spool.read()
        archive = governed(self.sudo()).create(
            {
                "warehouse_id": site.id,
                "month": month,
                "rows": manifest["rows"],
                "sha256": manifest["sha256"],
                "manifest": json.dumps(manifest, indent=2, sort_keys=True),
                "file": base64.b64encode(data),
                "file_name": manifest["file"],
                "user_id": self.env.uid,
            }
        )
        _logger.info(
            "telemetry archive %s: %s rows, sha256 %s (by uid %s)",
            manifest["file"], manifest["rows"], manifest["sha256"], self.env.uid,
        )  # fmt: skip
        return archive

    def verify(self):
        """Problems found checking each archive's file against its manifest."""
        self.check_access("read")
        return {
            archive.id: telemetry_archive.verify(base64.b64decode(archive.file), archive.manifest)
            for archive in self
        }

    # ------------------------------------------------------------------- purge
    @api.model
    @governed_action(
        "base.group_system",
        rule="companies with a retention; months past it, archived, whose readings "
        "still match the archive's row count; logged",
    )
    def action_purge_expired(self):
        """Delete the readings past their company's retention, month by month and
        site by site, only where the month was archived and the archive still holds
        every reading of it.  The one controlled way past the append-only guard:
        the guard lets a DELETE through only inside this transaction's
        ``coldchain.purge_archive`` setting, which nothing else sets."""
        today = fields.Date.today()
        done = self.browse()
        skipped = []
        companies = self.env["res.company"].sudo().search([("coldchain_retention_months", ">", 0)])
        for company in companies:
            cutoff = (today - relativedelta(months=company.coldchain_retention_months)).replace(
                day=1
            )
            archives = self.sudo().search(
                [("company_id", "=", company.id), ("purged", "=", False), ("month", "<", cutoff)]
            )
            for archive in archives:
                result = archive._purge()
                if result is None:
                    skipped.append(archive)
                else:
                    done |= archive
        return {"purged": done.ids, "skipped": [a.id for a in skipped]}

    def _purge(self):
        self.ensure_one()
        start, stop = telemetry_archive.month_bounds(self.month)
        params = {"gateways": self._site_gateways(self.warehouse_id), "start": start, "stop": stop}
        cr = self.env.cr
        cr.execute(COUNT_MONTH, params)
        count = cr.fetchone()[0]
        if count != self.rows:
            _logger.warning(
                "telemetry purge: %s holds %s rows, the month now %s: not deleted (archive again)",
                self.file_name, self.rows, count,
            )  # fmt: skip
            return None
        cr.execute("SELECT set_config('coldchain.purge_archive', %s, true)", [str(self.id)])
        try:
            cr.execute(PURGE_MONTH, params)
            deleted = cr.rowcount
        finally:
            cr.execute("SELECT set_config('coldchain.purge_archive', '', true)")
        governed(self).write(
            {
                "purged": True,
                "purged_rows": deleted,
                "purged_at": fields.Datetime.now(),
                "purged_by": self.env.uid,
            }
        )
        _logger.warning(
            "telemetry purge: %s rows of %s deleted after archive %s (sha256 %s) by uid %s",
            deleted, self.warehouse_id.code, self.file_name, self.sha256, self.env.uid,
        )  # fmt: skip
        return deleted
