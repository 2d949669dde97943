from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..engine import credentials


class ResCompany(models.Model):
    _inherit = "res.company"

    wms_bridge_allowed_hosts = fields.Text(
        "EDI Partner Hosts",
        groups="base.group_system",
        help="Hosts that trading partners' URLs may point at, one per line (or separated "
        "by commas); *.example.com allows every subdomain of example.com. Empty: any "
        "host (https is required either way). Set by system administrators: an "
        "integration administrator cannot send a partner's documents and secret "
        "elsewhere.",
    )

    @api.constrains("wms_bridge_allowed_hosts")
    def _check_wms_bridge_allowed_hosts(self):
        for company in self:
            _hosts, bad = credentials.parse_host_list(company.wms_bridge_allowed_hosts)
            if bad:
                raise ValidationError(
                    self.env._(
                        "%(company)s: %(entries)s are not host names (write edi.example.com "
                        "or *.example.com, without https:// or a path).",
                        company=company.name,
                        entries=", ".join(bad),
                    )
                )

    def _wms_allowed_hosts(self):
        """The company's allow-list as written (empty: any host)."""
        self.ensure_one()
        # sudo: system administrators write the list; it is read here to check a
        # partner's URL for whoever saves or sends, and is not returned to them
        return self.sudo().wms_bridge_allowed_hosts or ""
