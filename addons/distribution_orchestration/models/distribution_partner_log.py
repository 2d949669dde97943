from odoo import api, fields, models
from odoo.exceptions import UserError


class DistributionPartnerLog(models.Model):
    """Who changed a customer's governance data (credit limit, hold, block,
    allocation policy, tier...), from what to what, and when.

    Append-only: entries are written by ``res.partner`` itself; nobody edits or
    deletes one, administrators included."""

    _name = "distribution.partner.log"
    _description = "Customer Governance Log"
    _order = "id desc"

    partner_id = fields.Many2one(
        "res.partner", required=True, readonly=True, index=True, ondelete="restrict"
    )
    company_id = fields.Many2one(
        "res.company",
        readonly=True,
        index=True,
        help="The company the value belongs to (credit limit and home warehouse are set "
        "per company).",
    )
    field_name = fields.Char(required=True, readonly=True)
    field_label = fields.Char(string="Field", required=True, readonly=True)
    old_value = fields.Char(readonly=True)
    new_value = fields.Char(readonly=True)
    user_id = fields.Many2one("res.users", string="By", required=True, readonly=True)

    @api.model
    def _display(self, partner, name, value):
        field = partner._fields[name]
        if field.type == "selection":
            return dict(field._description_selection(self.env)).get(value, value or "")
        if field.type == "many2one":
            # sudo: the name of a warehouse the writer just set, for the log only
            record = self.env[field.comodel_name].browse(value).sudo()
            return record.display_name if value else ""
        if field.type == "boolean":
            return self.env._("Yes") if value else self.env._("No")
        return "" if value is False or value is None else str(value)

    @api.model
    def _record_changes(self, partners, before, after):
        vals_list = []
        for partner in partners:
            for name, old in before[partner.id].items():
                new = after[partner.id][name]
                if old == new or (not old and not new):
                    continue
                field = partner._fields[name]
                vals_list.append(
                    {
                        "partner_id": partner.id,
                        "company_id": self.env.company.id if field.company_dependent else False,
                        "field_name": name,
                        "field_label": field.string,
                        "old_value": self._display(partner, name, old),
                        "new_value": self._display(partner, name, new),
                        "user_id": self.env.uid,
                    }
                )
        # sudo: nobody has create access; the entries are the partner write's own trail
        return self.sudo().create(vals_list)

    def write(self, vals):  # pylint: disable=method-required-super
        raise UserError(self.env._("The customer governance log cannot be changed."))

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("The customer governance log cannot be deleted."))
