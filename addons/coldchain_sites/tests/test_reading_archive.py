import base64
import gzip
import json
from datetime import UTC, datetime

import psycopg2

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import ColdchainCase


@tagged("post_install", "-at_install")
class TestReadingArchive(ColdchainCase):
    """Monthly archives per site (gzip CSV + manifest + SHA-256, verifiable) and the
    administrator's purge of archived months past retention (default: never)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env, login="cold_test_archive_manager",
            groups="coldchain_sites.group_coldchain_manager,coldchain_sites.group_coldchain_all_sites",
        )  # fmt: skip
        cls.admin = cls.env.ref("base.user_admin")
        cls.Archive = cls.env["coldchain.reading.archive"]
        may = [(cls.sensor_a, datetime(2025, 5, d, 12, 0, tzinfo=UTC), 4.0 + d / 10)
               for d in range(1, 11)]  # fmt: skip
        june = [(cls.sensor_a, datetime(2025, 6, 2, 12, 0, tzinfo=UTC), 5.0)]
        other_site = [(cls.sensor_b, datetime(2025, 5, 3, 12, 0, tzinfo=UTC), 3.0)]
        cls.insert_readings(cls, may + june + other_site)

    def count(self, sensor, month):
        self.env.cr.execute(
            "SELECT count(*) FROM coldchain_reading WHERE sensor_id = %s"
            " AND date_trunc('month', ts AT TIME ZONE 'UTC') = %s",
            [sensor.id, month],
        )
        return self.env.cr.fetchone()[0]

    def archive_may(self):
        ids = self.Archive.with_user(self.manager).action_archive_month(
            [self.site_a.id], "2025-05-17"
        )
        return self.Archive.browse(ids)

    def test_archive_is_verifiable_and_made_once(self):
        archive = self.archive_may()
        self.assertEqual(archive.rows, 10)
        self.assertEqual(str(archive.month), "2025-05-01")
        self.assertEqual(archive.file_name, "readings-TSA-2025-05.csv.gz")
        manifest = json.loads(archive.manifest)
        self.assertEqual(manifest["sha256"], archive.sha256)
        self.assertEqual(archive.verify(), {archive.id: []})
        text = gzip.decompress(base64.b64decode(archive.file)).decode().splitlines()
        self.assertEqual(len(text), 11)
        self.assertTrue(text[1].startswith("T-A1,"))
        with self.assertRaises(UserError):
            self.archive_may()
        with self.assertRaises(AccessError):
            archive.unlink()
        with self.assertRaises(AccessError):
            archive.sudo().write({"rows": 3})

    def test_hostile_callers_are_refused(self):
        with self.assertRaises(AccessError):
            self.Archive.with_user(self.operator).action_archive_month(
                [self.site_a.id], "2025-05-01"
            )
        with self.assertRaises(AccessError):
            self.Archive.with_user(self.manager).action_purge_expired()
        with self.assertRaises(UserError):  # not a past month
            self.Archive.with_user(self.manager).action_archive_month(
                [self.site_a.id], datetime.now().date().isoformat()
            )

    def test_purge_only_archived_months_past_retention(self):
        company = self.site_a.company_id
        self.archive_may()
        # default: never delete
        self.assertEqual(company.coldchain_retention_months, 0)
        self.Archive.with_user(self.admin).action_purge_expired()
        self.assertEqual(self.count(self.sensor_a, "2025-05-01"), 10)
        company.coldchain_retention_months = 3
        result = self.Archive.with_user(self.admin).action_purge_expired()
        self.assertEqual(len(result["purged"]), 1)
        self.assertEqual(self.count(self.sensor_a, "2025-05-01"), 0)  # archived: deleted
        self.assertEqual(self.count(self.sensor_a, "2025-06-01"), 1)  # not archived: kept
        self.assertEqual(self.count(self.sensor_b, "2025-05-01"), 1)  # other site: kept
        archive = self.Archive.browse(result["purged"])
        self.assertRecordValues(archive, [{"purged": True, "purged_rows": 10,
                                           "purged_by": self.admin.id}])  # fmt: skip
        # the guard is back at once: a plain DELETE is refused
        with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.Error), self.env.cr.savepoint():
            self.env.cr.execute("DELETE FROM coldchain_reading WHERE sensor_id = %s",
                                [self.sensor_a.id])  # fmt: skip

    def test_a_month_changed_since_its_archive_is_not_purged(self):
        archive = self.archive_may()
        self.insert_readings([(self.sensor_a, datetime(2025, 5, 20, tzinfo=UTC), 4.0)])  # late
        self.site_a.company_id.coldchain_retention_months = 1
        result = self.Archive.with_user(self.admin).action_purge_expired()
        self.assertEqual(result, {"purged": [], "skipped": [archive.id]})
        self.assertEqual(self.count(self.sensor_a, "2025-05-01"), 11)
