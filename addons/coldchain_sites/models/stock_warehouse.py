from odoo import api, fields, models


class StockWarehouse(models.Model):
    """A cold site: its service tier, on-call contacts and gateways."""

    _inherit = "stock.warehouse"

    coldchain_tier_id = fields.Many2one(
        "coldchain.service.tier", string="Service tier", ondelete="restrict"
    )
    coldchain_oncall_partner_ids = fields.Many2many(
        "res.partner",
        "coldchain_warehouse_oncall_rel",
        "warehouse_id",
        "partner_id",
        string="On-call contacts",
        help="Who is alerted first when monitoring of this site raises an alarm.",
    )
    coldchain_quarantine_location_id = fields.Many2one(
        "stock.location",
        string="Quarantine location",
        domain="[('usage', '=', 'internal'), ('warehouse_id', '=', id)]",
        help="Where the scan screen moves a lot put into quarantine; created under the "
        "site's stock the first time when empty.",
    )
    coldchain_gateway_ids = fields.One2many("coldchain.gateway", "warehouse_id", string="Gateways")
    coldchain_gateway_count = fields.Integer(compute="_compute_coldchain_counts")
    coldchain_sensor_count = fields.Integer(compute="_compute_coldchain_counts")

    @api.depends("coldchain_gateway_ids")
    def _compute_coldchain_counts(self):
        gateways = dict(
            self.env["coldchain.gateway"]._read_group(
                [("warehouse_id", "in", self.ids)], ["warehouse_id"], ["__count"]
            )
        )
        sensors = dict(
            self.env["coldchain.sensor"]._read_group(
                [("warehouse_id", "in", self.ids)], ["warehouse_id"], ["__count"]
            )
        )
        for warehouse in self:
            warehouse.coldchain_gateway_count = gateways.get(warehouse, 0)
            warehouse.coldchain_sensor_count = sensors.get(warehouse, 0)

    def action_coldchain_sensors(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "coldchain_sites.coldchain_sensor_action"
        )
        action["domain"] = [("warehouse_id", "=", self.id)]
        action["context"] = {"search_default_group_by_location": 1}
        return action

    def _coldchain_quarantine_location(self):
        """The site's quarantine location, created the first time (trusted code)."""
        self.ensure_one()
        if not self.coldchain_quarantine_location_id:
            # sudo: the caller was checked by the governed action that moves the lots
            site = self.sudo()
            site.coldchain_quarantine_location_id = (
                self.env["stock.location"]
                .sudo()
                .create(
                    {
                        "name": self.env._("Quarantine"),
                        "location_id": self.lot_stock_id.id,
                        "usage": "internal",
                        "company_id": self.company_id.id,
                    }
                )
            )
        return self.coldchain_quarantine_location_id
