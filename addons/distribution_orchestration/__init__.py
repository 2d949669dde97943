from . import models, wizards


def post_init_hook(env):
    env["distribution.check"]._create_defaults(env["res.company"].search([]))
