from odoo.tests import HttpCase, JsonRpcException, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestTransitTableOverRpc(HttpCase):
    """Through real JSON-RPC, an orchestration user reads the transit table but cannot
    change it; the row is unchanged afterwards."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.warehouse = cls.env["stock.warehouse"].create({"name": "RPC Site", "code": "TRPC"})
        cls.rule = cls.env["distribution.transit.rule"].create(
            {
                "warehouse_id": cls.warehouse.id,
                "country_id": cls.env.ref("base.nl").id,
                "zip_prefix": "35",
                "distance_km": 42.0,
            }
        )
        new_test_user(
            cls.env,
            login="transit_rpc_user",
            groups="base.group_user,distribution_orchestration.group_orchestration_user",
        )

    def call(self, method, args, kwargs=None):
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {
                "model": "distribution.transit.rule",
                "method": method,
                "args": args,
                "kwargs": kwargs or {},
            },
        )

    def test_user_reads_but_cannot_change_the_table(self):
        self.authenticate("transit_rpc_user", "transit_rpc_user")
        rows = self.call("read", [[self.rule.id], ["distance_km", "zip_prefix"]])
        self.assertEqual(rows[0]["distance_km"], 42.0)
        with self.assertRaises(JsonRpcException):
            self.call("write", [[self.rule.id], {"distance_km": 1.0}])
        with self.assertRaises(JsonRpcException):
            self.call("unlink", [[self.rule.id]])
        with self.assertRaises(JsonRpcException):
            self.call(
                "create",
                [
                    {
                        "warehouse_id": self.warehouse.id,
                        "country_id": self.env.ref("base.be").id,
                        "distance_km": 1.0,
                    }
                ],
            )
        self.env.invalidate_all()
        self.assertRecordValues(self.rule, [{"distance_km": 42.0, "zip_prefix": "35"}])
        self.assertEqual(
            self.env["distribution.transit.rule"].search_count(
                [("warehouse_id", "=", self.warehouse.id)]
            ),
            1,
        )
