"""Approval latency: the approvals of engine/tests/test_kpi.py (APPROVALS) in the
database, on the fixture's holds and on purchase orders.

The reviews are written with SQL: tier.review refuses a raw ORM create for the
documents distribution_approvals governs, and the documents' own steps (request,
validate, reject) stamp the current time, where fixed timestamps give exact answers.
Expected answers are those of the engine test; the engine also runs on the rows
read back from the database.
"""

from datetime import datetime
from unittest import SkipTest

from freezegun import freeze_time

from odoo.tests import tagged
from odoo.tools import SQL

from ..engine.kpi import ApprovalRequest, TierReviewFact, approval_latency_kpis
from .common import NOW, DashboardFixture, d


def feb(day, hour=0):
    return datetime(2026, 2, day, hour, 0)


MARCH = (d(1), datetime(2026, 4, 1))
# (document, [(tier, status, created, reviewed)])
APPROVALS = [
    # tier 1 approved, tier 2 rejected: the rejection decides, 6 h
    (("hold", 0), [(1, "approved", d(2, 8), d(2, 10)), (2, "rejected", d(2, 8), d(2, 14))]),
    # both tiers approved: the latest approval decides, 24 h
    (("hold", 1), [(1, "approved", d(3, 8), d(3, 9)), (2, "approved", d(3, 8), d(4, 8))]),
    # tier 1 approved, tier 2 still pending: undecided
    (("hold", 2), [(1, "approved", d(9, 12), d(9, 13)), (2, "pending", d(9, 12), None)]),
    # decided in February, 12 h
    (("hold", 3), [(1, "approved", feb(27, 8), feb(27, 20))]),
    # one tier, 2 h
    (("po", 0), [(1, "approved", d(4), d(4, 2))]),
    # tiers approved out of order: the latest approval, 10 h
    (("po", 1), [(1, "approved", d(5), d(5, 10)), (2, "approved", d(5), d(5, 4))]),
    # tier 1 rejected, tier 2 cancelled by the rejection: 3 h
    (("po", 2), [(1, "rejected", d(6), d(6, 3)), (2, "cancel", d(6), None)]),
    # requested in February, decided in March: 24 h, in March
    (("po", 3), [(1, "approved", feb(28, 12), d(1, 12))]),
    # another company's purchase order, decided in March after 100 h: never counted
    # here, though its (shared) tier definition has no company
    (("po", 4), [(1, "approved", d(2), d(6, 4))]),
]
# March: 2, 3, 6, 10, 24, 24 h; holds 6, 24; purchase orders 2, 3, 10, 24
MARCH_MEDIAN = 8.0
MARCH_BY_FLOW = {"distribution.hold": 15.0, "purchase.order": 6.5}


@tagged("post_install", "-at_install")
class TestApprovalLatency(DashboardFixture):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        if "tier.review" not in env or "purchase.order" not in env:
            raise SkipTest("needs base_tier_validation and purchase (distribution_approvals)")
        cls.other_company = env["res.company"].create({"name": "Approval Latency Other Co"})
        vendor = env["res.partner"].create({"name": "Approval Latency Vendor"})
        cls.pos = env["purchase.order"].create([{"partner_id": vendor.id} for _i in range(5)])
        env.flush_all()
        cr = env.cr
        cr.execute(
            "UPDATE purchase_order SET company_id = %s WHERE id = %s",
            (cls.other_company.id, cls.pos[4].id),
        )
        documents = {"hold": ("distribution.hold", cls.holds), "po": ("purchase.order", cls.pos)}
        # the fixture's approvals are the only ones: the figure is the network's
        cr.execute("DELETE FROM tier_review")
        rows = []
        for (kind, index), reviews in APPROVALS:
            model, records = documents[kind]
            # holds: a definition shared by every company (no company on the review,
            # as distribution_approvals ships them); purchase orders: the company's,
            # but the other company's order under a shared one
            company = cls.company.id if kind == "po" and index != 4 else None
            for tier, status, created, reviewed in reviews:
                rows.append(
                    SQL(
                        "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                        model,
                        records[index].id,
                        tier,
                        status,
                        company,
                        created,
                        created,
                        reviewed,
                        env.uid,
                        env.uid,
                    )
                )
        cr.execute(
            SQL(
                """INSERT INTO tier_review (model, res_id, sequence, status, company_id,
                                            create_date, write_date, reviewed_date,
                                            create_uid, write_uid)
                   VALUES %s RETURNING id""",
                SQL(", ").join(rows),
            )
        )
        cls.review_ids = [row[0] for row in cr.fetchall()]
        env.invalidate_all()
        cls.executive = cls.make_user(
            "latency_exec", "distribution_dashboard.group_dashboard_executive"
        )

    def _engine_requests(self):
        """The reviews read back through the ORM, as the engine's requests."""
        reviews = self.env["tier.review"].search([])
        grouped = {}
        for review in reviews:
            grouped.setdefault((review.model, review.res_id), []).append(
                TierReviewFact(review.status, review.create_date, review.reviewed_date or None)
            )
        return [
            ApprovalRequest(model, res_id, facts)
            for (model, res_id), facts in grouped.items()
            if not (model == "purchase.order" and res_id == self.pos[4].id)  # other company
        ]

    def _labels(self):
        IrModel = self.env["ir.model"]
        return {model: IrModel._get(model).name for model in MARCH_BY_FLOW}

    @freeze_time(NOW)
    def test_sql_breakdown_and_engine_agree(self):
        Dashboard = self.env["distribution.dashboard"].with_user(self.executive)
        march = MARCH[0].date()
        values = Dashboard._optional_values("month", [feb(1).date(), march], NOW)
        self.assertAlmostEqual(values[(march, None)]["approval_latency_h"], MARCH_MEDIAN)
        self.assertAlmostEqual(values[(feb(1).date(), None)]["approval_latency_h"], 12.0)
        # network only: no site carries it
        self.assertFalse(
            [key for key, figures in values.items() if key[1] and "approval_latency_h" in figures]
        )
        engine = approval_latency_kpis(self._engine_requests(), *MARCH)
        self.assertAlmostEqual(engine["approval_latency_h"], MARCH_MEDIAN)
        self.assertEqual(engine["approval_latency_h_by_flow"], MARCH_BY_FLOW)
        labels = self._labels()
        breakdown = Dashboard._breakdown(march, MARCH[1].date())
        self.assertEqual(
            breakdown["approval_latency_h_by_flow"],
            {labels[model]: value for model, value in MARCH_BY_FLOW.items()},
        )
        # the data call: the tile, its definition and the panel below it
        data = Dashboard.get_dashboard_data("month", 2)
        tile = next(t for t in data["tiles"] if t["code"] == "approval_latency_h")
        self.assertAlmostEqual(tile["value"], MARCH_MEDIAN)
        self.assertEqual(tile["trend"], [12.0, MARCH_MEDIAN])
        self.assertEqual(tile["unit"], "h")
        self.assertEqual(
            data["breakdown"]["approval_latency_h_by_flow"], breakdown["approval_latency_h_by_flow"]
        )
        sites = data["by_site"]["approval_latency_h"]["sites"]
        self.assertTrue(sites)
        self.assertTrue(all(site["value"] is None for site in sites))
        # a customer segment has no approvals (most flows have no customer)
        segment = Dashboard.get_dashboard_data("month", 1, "gold")
        tile = next(t for t in segment["tiles"] if t["code"] == "approval_latency_h")
        self.assertIsNone(tile["value"])
        self.assertEqual(segment["breakdown"]["approval_latency_h_by_flow"], {})

    @freeze_time(NOW)
    def test_the_other_company_sees_its_own(self):
        """The other company's user gets its purchase order only (100 h); the
        fixture's company-less hold reviews belong to the holds' company."""
        executive = self.make_user(
            "latency_exec_other", "distribution_dashboard.group_dashboard_executive"
        )
        executive.write(
            {"company_ids": [(4, self.other_company.id)], "company_id": self.other_company.id}
        )
        Dashboard = (
            self.env["distribution.dashboard"]
            .with_user(executive)
            .with_context(allowed_company_ids=[self.other_company.id])
        )
        # the documents' companies come from the registry's tier-validated models
        tables = dict(Dashboard._approval_document_tables())
        self.assertEqual(tables["distribution.hold"], "distribution_hold")
        self.assertEqual(tables["purchase.order"], "purchase_order")
        march = MARCH[0].date()
        values = Dashboard._optional_values("month", [march], NOW)
        self.assertAlmostEqual(values[(march, None)]["approval_latency_h"], 100.0)
        both = Dashboard.with_context(allowed_company_ids=[self.company.id, self.other_company.id])
        values = both._optional_values("month", [march], NOW)
        self.assertAlmostEqual(values[(march, None)]["approval_latency_h"], 10.0)  # 7 values

    @freeze_time(NOW)
    def test_site_scoped_user_gets_no_figure(self):
        manager = self.make_user(
            "latency_site", "distribution_dashboard.group_dashboard_site_manager", self.wh_a
        )
        Dashboard = self.env["distribution.dashboard"].with_user(manager)
        march = MARCH[0].date()
        values = Dashboard._optional_values("month", [march], NOW)
        self.assertFalse(
            [key for key, figures in values.items() if "approval_latency_h" in figures]
        )
        data = Dashboard.get_dashboard_data("month", 1)
        tile = next(t for t in data["tiles"] if t["code"] == "approval_latency_h")
        self.assertIsNone(tile["value"])
        self.assertEqual(data["breakdown"]["approval_latency_h_by_flow"], {})
        action = Dashboard.action_open_kpi("approval_latency_h", "month", "2026-03-01")
        self.assertFalse(self.env[action["res_model"]].with_user(manager).search(action["domain"]))

    @freeze_time(NOW)
    def test_drill_down_lists_the_decided_reviews(self):
        """Every review of the requests decided in March, and no other: not the
        pending request's, not February's decision, not the other company's."""
        Dashboard = self.env["distribution.dashboard"].with_user(self.executive)
        action = Dashboard.action_open_kpi(
            "approval_latency_h", "month", "2026-03-01", self.wh_a.id
        )
        self.assertEqual(action["res_model"], "tier.review")
        reviews = self.env["tier.review"].with_user(self.executive).search(action["domain"])
        # rows in APPROVALS order: holds 0-1 (4 reviews), hold 2 (2), hold 3 (1),
        # purchase orders 0-3 (6), the other company's (1)
        expected = self.review_ids[0:4] + self.review_ids[7:13]
        self.assertEqual(sorted(reviews.ids), sorted(expected))
        action = Dashboard.action_open_kpi("approval_latency_h", "month", "2026-02-01")
        reviews = self.env["tier.review"].with_user(self.executive).search(action["domain"])
        self.assertEqual(reviews.ids, [self.review_ids[6]])
