from odoo import api, fields, models


class ColdchainGatewayCredentialWizard(models.TransientModel):
    """Shows a gateway's new broker password, once.

    Opened by ``coldchain.gateway.action_issue_mqtt_credential`` with the password in
    its context defaults: the dialog is never saved (its only button discards it),
    and :meth:`create` drops the password anyway, so it never reaches the database,
    not even this transient table.  Only its hash is kept, on the gateway.
    """

    _name = "coldchain.gateway.credential.wizard"
    _description = "New broker password of a gateway"

    gateway_id = fields.Many2one("coldchain.gateway", required=True, readonly=True)
    username = fields.Char(related="gateway_id.code", string="Broker username")
    topic_prefix = fields.Char(related="gateway_id.topic_prefix")
    password = fields.Char(readonly=True, help="Shown once: it is not stored anywhere.")
    broker_synced = fields.Boolean(
        string="Broker updated",
        readonly=True,
        help="The broker's password and ACL files were written (and a local broker "
        "reloaded) with this password.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            vals.pop("password", None)  # never stored
        return super().create(vals_list)
