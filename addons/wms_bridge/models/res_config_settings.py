from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    wms_bridge_allowed_hosts = fields.Text(
        related="company_id.wms_bridge_allowed_hosts", readonly=False
    )
