"""Hostile callers over real HTTP JSON-RPC: every cold-chain bypass, as every role.

Each test logs in as a role, calls the models the way a script would (call_kw,
call_button, any context it likes), asserts the call is refused, then re-reads the
records as the superuser to prove nothing changed.
"""

from odoo import Command, sql_db
from odoo.tests import HttpCase, JsonRpcException, new_test_user, tagged

from .common import SignatureMixin, captured_logs, log_text, tables_containing
from .excursion_common import ExcursionCase

SIGNER_PASSWORD = "Hx7-Signer-Pass-5512"
WRONG_PASSWORD = "Hx7-Wrong-Guess-2087"
NAIVE_PASSWORD = "Hx7-Naive-Client-3390"
# A context key cannot prove anything: every old or guessed key, in JSON.
FORGED_CONTEXT = {
    "coldchain_sites_disposition": True,
    "coldchain_sites_governed": True,
    "coldchain_sites_no_version": True,
    "coldchain_sites_exclude_held": False,
}


@tagged("post_install", "-at_install")
class TestHostileCallers(SignatureMixin, ExcursionCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.stock_user = new_test_user(
            env, login="cc_hostile_stock", groups="stock.group_stock_user"
        )
        cls.operator_none = new_test_user(
            env, login="cc_hostile_nosite", groups="coldchain_sites.group_coldchain_operator"
        )
        cls.signer = new_test_user(
            env,
            login="cc_hostile_signer",
            name="Hostile Signer",
            groups="coldchain_sites.group_coldchain_quality",
            password=SIGNER_PASSWORD,
        )
        # a salesperson where sales are installed, else a plain employee
        salesman = env.ref("sales_team.group_sale_salesman", raise_if_not_found=False)
        cls.sales = new_test_user(
            env,
            login="cc_hostile_sales",
            groups="sales_team.group_sale_salesman" if salesman else "base.group_user",
        )
        cls.portal = new_test_user(env, login="cc_hostile_portal", groups="base.group_portal")
        cls.admin = env.ref("base.user_admin")

    def setUp(self):
        super().setUp()
        self.held = self.lot("H-HELD")
        self.move(-60, self.product, 5, self.supplier, self.zone_a, self.held)
        self.insert_readings(self.warm_spell() + self.readings(self.sensor_b, 0, 90, 5, 12.0))
        self.evaluate(95)
        self.exc_a = self.excursions(self.rule_delay)
        self.exc_b = self.excursions(self.rule_delay, self.sensor_b)
        self.assertTrue(self.held.coldchain_hold)
        self.assertEqual(len(self.exc_a), 1)
        self.assertEqual(len(self.exc_b), 1)
        self.purge_signature_failures(self.quality, self.signer, self.operator, self.stock_user)

    # ------------------------------------------------------------------ helpers

    def login(self, user):
        self.authenticate(user.login, user.login)

    def call(self, model, method, args, kwargs=None, route="call_kw"):
        return self.make_jsonrpc_request(
            f"/web/dataset/{route}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        )

    def assertRefused(self, model, method, args, kwargs=None, errors=("AccessError",), **kw):
        with self.assertRaises(JsonRpcException) as caught:
            self.call(model, method, args, kwargs, **kw)
        error = str(caught.exception).rsplit(".", 1)[-1]
        self.assertIn(error, errors, f"{model}.{method}: refused with {caught.exception}")
        return error

    def reread(self, records):
        self.env.invalidate_all()
        return records.sudo()

    def assertLotHeld(self):
        lot = self.reread(self.held)
        self.assertTrue(lot.coldchain_hold)
        self.assertFalse(lot.coldchain_use_before)
        self.assertFalse(lot.coldchain_disposition_ids)
        quants = self.env["stock.quant"].search(
            [("lot_id", "=", lot.id), ("location_id.usage", "=", "internal")]
        )
        self.assertEqual(sum(quants.mapped("quantity")), 5)

    def assertExcursionUntouched(self, excursion):
        excursion = self.reread(excursion)
        self.assertRecordValues(
            excursion,
            [
                {
                    "state": "open",
                    "severity": "product_risk",
                    "acknowledged_by": False,
                    "closed_by": False,
                    "closed_at": False,
                }
            ],
        )

    def web_sign(self, lot, password, extra_vals=None):
        """What the web client does: save the wizard (the read-only password is left
        out), then the Sign button's call, the password in its context only."""
        vals = {"lot_id": lot.id, "decision": "release", "reason": "Reviewed stability data"}
        vals.update(extra_vals or {})
        [record] = self.call(
            "coldchain.disposition.wizard", "web_save", [[], vals], {"specification": {}}
        )
        return self.call(
            "coldchain.disposition.wizard",
            "action_sign",
            [[record["id"]]],
            {"context": {"coldchain_sites_signature_password": password}},
        )

    def shipping_picking(self):
        """A delivery of 2 units of the held lot, the lot set by hand (reservation skips it)."""
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": self.site_a.out_type_id.id,
                "location_id": self.site_a.lot_stock_id.id,
                "location_dest_id": self.customer.id,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": self.product.id,
                            "product_uom_qty": 2,
                            "product_uom": self.product.uom_id.id,
                            "location_id": self.site_a.lot_stock_id.id,
                            "location_dest_id": self.customer.id,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        self.env["stock.move.line"].create(
            {
                "move_id": picking.move_ids.id,
                "picking_id": picking.id,
                "product_id": self.product.id,
                "lot_id": self.held.id,
                "quantity": 2,
                "location_id": self.zone_a.id,
                "location_dest_id": self.customer.id,
            }
        )
        picking.move_ids.picked = True
        return picking

    # -------------------------------------------------------------------- tests

    def test_nobody_lifts_a_hold_by_writing_the_lot(self):
        for user in (self.stock_user, self.operator, self.quality, self.admin):
            self.login(user)
            for vals in (
                {"coldchain_hold": False},
                {"coldchain_use_before": "2030-01-01 00:00:00"},
                {"coldchain_hold": False, "name": "H-RENAMED"},
            ):
                with self.subTest(user=user.login, vals=vals):
                    self.assertRefused(
                        "stock.lot", "write", [[self.held.id], vals], {"context": FORGED_CONTEXT}
                    )
            with self.subTest(user=user.login, action="unlink"):
                self.assertRefused(
                    "stock.lot", "unlink", [[self.held.id]], errors=("UserError", "AccessError")
                )
        for user in (self.sales, self.portal):
            self.login(user)
            with self.subTest(user=user.login):
                self.assertRefused(
                    "stock.lot",
                    "write",
                    [[self.held.id], {"coldchain_hold": False}],
                    {"context": FORGED_CONTEXT},
                )
        self.assertLotHeld()
        self.assertEqual(self.reread(self.held).name, "H-HELD")

    def test_a_held_lot_is_not_shipped_or_scrapped_with_the_old_context_key(self):
        picking = self.shipping_picking()
        self.login(self.stock_user)
        self.assertRefused(
            "stock.picking",
            "button_validate",
            [[picking.id]],
            {"context": FORGED_CONTEXT},
            errors=("UserError",),
            route="call_button",
        )
        scrap_id = self.call(
            "stock.scrap",
            "create",
            [
                {
                    "product_id": self.product.id,
                    "lot_id": self.held.id,
                    "location_id": self.zone_a.id,
                    "scrap_qty": 1,
                }
            ],
            {"context": FORGED_CONTEXT},
        )
        self.assertRefused(
            "stock.scrap",
            "do_scrap",
            [[scrap_id]],
            {"context": FORGED_CONTEXT},
            errors=("UserError",),
        )
        self.assertNotEqual(self.reread(picking).state, "done")
        self.assertLotHeld()

    def test_excursion_state_and_severity_cannot_be_forged(self):
        forged = {
            "state": "closed",
            "severity": "info",
            "closed_by": self.quality.id,
            "closed_at": "2025-06-02 12:00:00",
            "acknowledged_by": self.operator.id,
        }
        for user in (self.operator, self.quality, self.admin):
            self.login(user)
            for name, value in forged.items():
                with self.subTest(user=user.login, field=name):
                    self.assertRefused(
                        "coldchain.excursion",
                        "write",
                        [[self.exc_a.id], {name: value}],
                        {"context": FORGED_CONTEXT},
                    )
            with self.subTest(user=user.login, action="unlink"):
                self.assertRefused(
                    "coldchain.excursion",
                    "unlink",
                    [[self.exc_a.id]],
                    errors=("AccessError", "UserError"),
                )
            with self.subTest(user=user.login, action="create"):
                self.assertRefused(
                    "coldchain.excursion",
                    "create",
                    [
                        {
                            "rule_id": self.rule_delay.id,
                            "sensor_id": self.sensor_a.id,
                            "start_ts": 1,
                            "start": "2025-01-01 00:00:00",
                            "severity": "info",
                        }
                    ],
                )
        self.assertExcursionUntouched(self.exc_a)

    def test_operators_act_on_their_own_sites_only(self):
        self.login(self.operator)
        found = self.call(
            "coldchain.excursion",
            "search_read",
            [[("id", "in", (self.exc_a | self.exc_b).ids)], ["warehouse_id"]],
        )
        self.assertEqual([r["id"] for r in found], self.exc_a.ids)
        self.assertRefused("coldchain.excursion", "read", [self.exc_b.ids, ["state"]])
        self.assertRefused(
            "coldchain.excursion",
            "action_acknowledge",
            [self.exc_b.ids],
            {"context": FORGED_CONTEXT},
            route="call_button",
        )
        for method in ("action_review", "action_close"):
            with self.subTest(method=method):
                self.assertRefused(
                    "coldchain.excursion", method, [self.exc_a.ids], route="call_button"
                )
        self.login(self.operator_none)
        self.assertEqual(
            self.call(
                "coldchain.excursion",
                "search",
                [[("id", "in", (self.exc_a | self.exc_b).ids)]],
            ),
            [],
        )
        self.assertRefused(
            "coldchain.excursion", "action_acknowledge", [self.exc_a.ids], route="call_button"
        )
        self.assertExcursionUntouched(self.exc_a)
        self.assertExcursionUntouched(self.exc_b)
        # their own site, through the method: allowed
        self.login(self.operator)
        self.call(
            "coldchain.excursion", "action_acknowledge", [self.exc_a.ids], route="call_button"
        )
        self.assertEqual(self.reread(self.exc_a).acknowledged_by, self.operator)

    def test_outsiders_see_and_do_nothing(self):
        for user in (self.stock_user, self.sales, self.portal):
            self.login(user)
            for model, method, args in (
                ("coldchain.excursion", "search_read", [[], ["state"]]),
                ("coldchain.excursion", "action_acknowledge", [self.exc_a.ids]),
                ("coldchain.excursion.exposure", "search_read", [[], ["hold"]]),
                ("coldchain.disposition", "search_read", [[], ["decision"]]),
                ("coldchain.reading", "search_read", [[], ["value"]]),
                (
                    "coldchain.disposition.wizard",
                    "create",
                    [{"lot_id": self.held.id, "reason": "x"}],
                ),
            ):
                with self.subTest(user=user.login, model=model, method=method):
                    self.assertRefused(model, method, args)
        self.assertExcursionUntouched(self.exc_a)
        self.assertLotHeld()

    def test_evidence_is_never_edited_or_deleted(self):
        self.sign_with(self.quality, self.held, "cold_test_quality")
        disposition = self.reread(self.held).coldchain_disposition_ids
        exposure = self.exc_a.exposure_ids.filtered("hold")
        self.assertTrue(disposition)
        self.assertTrue(exposure)
        targets = (
            ("coldchain.disposition", disposition.id, {"reason": "forged", "decision": "destroy"}),
            ("coldchain.excursion.exposure", exposure.id, {"hold": False, "quantity": 0}),
            ("coldchain.calibration", self.calibration.id, {"result": "fail"}),
        )
        for user in (self.operator, self.quality, self.admin):
            self.login(user)
            for model, record_id, vals in targets:
                with self.subTest(user=user.login, model=model):
                    self.assertRefused(
                        model,
                        "write",
                        [[record_id], vals],
                        {"context": FORGED_CONTEXT},
                        errors=("AccessError", "UserError"),
                    )
                    self.assertRefused(
                        model, "unlink", [[record_id]], errors=("AccessError", "UserError")
                    )
            with self.subTest(user=user.login, model="coldchain.disposition", method="create"):
                self.assertRefused(
                    "coldchain.disposition",
                    "create",
                    [
                        {
                            "lot_id": self.held.id,
                            "company_id": self.env.company.id,
                            "decision": "release",
                            "reason": "forged",
                            "signed_by": user.id,
                            "signed_at": "2025-06-03 00:00:00",
                        }
                    ],
                    {"context": FORGED_CONTEXT},
                )
        disposition = self.reread(disposition)
        self.assertRecordValues(
            disposition, [{"decision": "release", "signed_by": self.quality.id}]
        )
        self.assertNotEqual(disposition.reason, "forged")
        self.assertRecordValues(self.reread(exposure), [{"hold": True}])
        self.assertEqual(self.reread(self.calibration).result, "pass")

    def test_timeline_messages_stay(self):
        self.login(self.operator)
        [message_id] = self.call(
            "coldchain.excursion", "message_post", [self.exc_a.ids], {"body": "Checked the door."}
        )
        self.assertRefused(
            "mail.message",
            "write",
            [[message_id], {"body": "Nothing to see."}],
            errors=("UserError",),
        )
        self.assertRefused(
            "mail.message", "unlink", [[message_id]], errors=("AccessError", "UserError")
        )
        self.login(self.admin)
        self.assertRefused(
            "mail.message", "unlink", [[message_id]], errors=("AccessError", "UserError")
        )
        message = self.reread(self.env["mail.message"].browse(message_id))
        self.assertIn("Checked the door.", message.body)

    def test_rule_versions_cannot_be_rewritten(self):
        self.login(self.admin)
        self.call(
            "coldchain.excursion.rule",
            "write",
            [self.rule_delay.ids, {"limit_max": 30.0}],
            {"context": FORGED_CONTEXT},
        )
        rule = self.reread(self.rule_delay)
        self.assertRecordValues(rule, [{"limit_max": 8.0, "superseded": True, "active": False}])
        for vals in ({"active": True}, {"superseded": False}, {"version": 9}):
            with self.subTest(vals=vals):
                self.assertRefused(
                    "coldchain.excursion.rule",
                    "write",
                    [rule.ids, vals],
                    {"context": FORGED_CONTEXT},
                    errors=("AccessError", "UserError"),
                )
        self.assertRefused(
            "coldchain.excursion.rule",
            "action_unarchive",
            [rule.ids],
            errors=("UserError",),
        )
        self.assertRecordValues(
            self.reread(rule), [{"limit_max": 8.0, "superseded": True, "active": False}]
        )

    def test_only_quality_signs(self):
        for user in (self.stock_user, self.operator, self.sales, self.portal):
            self.login(user)
            with self.subTest(user=user.login):
                self.assertRefused(
                    "coldchain.disposition.wizard",
                    "create",
                    [{"lot_id": self.held.id, "reason": "x"}],
                )
                self.assertRefused(
                    "stock.lot",
                    "action_coldchain_disposition",
                    [self.held.ids],
                    route="call_button",
                )
        self.assertLotHeld()

    def test_signing_is_throttled_after_repeated_wrong_passwords(self):
        self.login(self.signer)
        for attempt in range(5):
            with self.subTest(attempt=attempt), self.assertRaises(JsonRpcException) as caught:
                self.web_sign(self.held, f"{WRONG_PASSWORD}-{attempt}")
            self.assertEqual(str(caught.exception), "odoo.exceptions.UserError")
        # now even the right password is refused, unchecked
        with self.assertRaises(JsonRpcException):
            self.web_sign(self.held, SIGNER_PASSWORD)
        self.assertLotHeld()
        self.assertEqual(
            self.signature_outcomes(self.signer), ["wrong_password"] * 5 + ["throttled"]
        )

    def test_a_typed_password_leaves_no_trace(self):
        """A failed then a successful signature, as the web client makes them: the
        passwords are in no text column of the database and in no log record (Odoo
        at DEBUG: SQL with parameters, RPC calls, HTTP)."""
        self.login(self.signer)
        with captured_logs() as records:
            with self.assertRaises(JsonRpcException):
                self.web_sign(self.held, WRONG_PASSWORD)
            action = self.web_sign(self.held, SIGNER_PASSWORD)
        self.assertEqual(action["res_model"], "coldchain.disposition")
        self.assertFalse(self.reread(self.held).coldchain_hold)
        self.env.flush_all()
        # the nets catch what they should: SQL with its parameters in the logs (the
        # failure written on its own connection), the reason in the database
        self.assertTrue(
            [r for r in records if "INSERT INTO coldchain_signature_failure" in log_text(r)]
        )
        self.assertIn(
            "coldchain_disposition.reason",
            tables_containing(self.env.cr, "Reviewed stability data"),
        )
        for secret in (WRONG_PASSWORD, SIGNER_PASSWORD):
            with self.subTest(secret=secret):
                self.assertEqual(tables_containing(self.env.cr, secret), [])
                leaked = [r.name for r in records if secret in log_text(r)]
                self.assertEqual(leaked, [])
        # the failure was recorded on its own connection, without the password
        with sql_db.db_connect(self.env.cr.dbname).cursor() as cr:
            self.assertEqual(tables_containing(cr, WRONG_PASSWORD), [])
            cr.execute(
                "SELECT outcome FROM coldchain_signature_failure WHERE user_id = %s",
                [self.signer.id],
            )
            self.assertEqual(cr.fetchall(), [("wrong_password",)])

    def test_a_password_sent_as_a_value_is_not_stored(self):
        """A client that sends the password with the wizard's values: nothing keeps it
        (the field is not stored).  Odoo's own DEBUG trace of RPC calls prints the
        arguments a client sends, which is why the form sends it in the Sign
        button's context only."""
        self.login(self.signer)
        with self.assertRaises(JsonRpcException):
            self.web_sign(self.held, WRONG_PASSWORD, {"password": NAIVE_PASSWORD})
        self.env.flush_all()
        self.assertEqual(tables_containing(self.env.cr, NAIVE_PASSWORD), [])
        self.assertLotHeld()

    def test_signing_still_works_for_quality(self):
        self.login(self.signer)
        action = self.web_sign(self.held, SIGNER_PASSWORD)
        lot = self.reread(self.held)
        self.assertFalse(lot.coldchain_hold)
        self.assertRecordValues(
            lot.coldchain_disposition_ids,
            [{"id": action["res_id"], "signed_by": self.signer.id, "decision": "release"}],
        )
