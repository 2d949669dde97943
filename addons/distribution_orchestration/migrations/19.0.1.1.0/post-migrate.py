"""19.0.1.1.0: a pipeline user with no site used to see every site; now they see
none unless they are in "All Sites".  Existing users keep what they saw."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    pipeline = env.ref("distribution_orchestration.group_orchestration_user")
    all_sites = env.ref("distribution_orchestration.group_orchestration_all_sites")
    users = pipeline.all_user_ids.filtered(lambda u: not u.distribution_warehouse_ids)
    users.write({"group_ids": [(4, all_sites.id)]})
