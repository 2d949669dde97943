from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..engine import rules as rule_engine


class DistributionChangeFreeze(models.Model):
    """A period of the change calendar (peak season, month-end close) during which
    rule versions of a company, or of one of its sites, do not take effect; only
    the emergency change group activates one then, and that is logged."""

    _name = "distribution.change.freeze"
    _description = "Rule Change Freeze"
    _inherit = ["mail.thread"]
    _order = "date_from desc, id desc"

    name = fields.Char(required=True, tracking=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        index=True,
        tracking=True,
    )
    warehouse_id = fields.Many2one(
        "stock.warehouse",
        string="Site",
        domain="[('company_id', '=', company_id)]",
        tracking=True,
        help="Empty: every site of the company.",
    )
    date_from = fields.Datetime(string="From", required=True, tracking=True)
    date_to = fields.Datetime(string="To", required=True, tracking=True)
    reason = fields.Text(tracking=True)
    active = fields.Boolean(default=True, tracking=True)

    @api.constrains("date_from", "date_to", "warehouse_id", "company_id")
    def _check_dates(self):
        for freeze in self:
            if freeze.date_to < freeze.date_from:
                raise ValidationError(self.env._("A freeze period ends after it starts."))
            if freeze.warehouse_id and freeze.warehouse_id.company_id != freeze.company_id:
                raise ValidationError(self.env._("The site belongs to another company."))

    @api.model
    def _covering(self, company, site, moment):
        """The freeze that forbids a change of ``company`` (``site``) to take effect
        at ``moment`` (engine rule: a company-wide freeze covers every site)."""
        if not company:
            return self.browse()
        # sudo: the calendar applies to every approver, whatever they may read
        candidates = self.sudo().search(
            [
                ("company_id", "=", company.id),
                ("date_from", "<=", moment),
                ("date_to", ">=", moment),
            ]
        )
        found = rule_engine.freeze_covering(
            [
                rule_engine.Freeze(
                    f.id, f.company_id.id, f.warehouse_id.id or None, f.date_from, f.date_to, f.name
                )
                for f in candidates
            ],
            company.id,
            site.id or None,
            moment,
        )
        return candidates.browse(found.freeze_id).with_env(self.env) if found else self.browse()
