"""How trusted cold-chain code proves itself, and the checks every action runs.

Protected fields (a lot's hold, an excursion's state, a rule's version, ...) refuse
``create``/``write``/``unlink`` unless the environment carries ``_GOVERNED``, a
module-level object (the pattern of OCA queue_job's ``EDIT_SENTINEL``).  JSON-RPC and
XML-RPC can only put JSON values in a context, never this object, so no caller can
step around a governed method by setting a context key; only Python code that
imports this module (the governed methods, after their own checks) can.

The site and company checks below are what every action method runs on the server
before it acts, whatever the web client shows or hides.
"""

import functools

from odoo.exceptions import AccessError

CONTEXT_KEY = "coldchain_sites_governed"
_GOVERNED = object()

GROUP_OPERATOR = "coldchain_sites.group_coldchain_operator"
GROUP_QUALITY = "coldchain_sites.group_coldchain_quality"
GROUP_MANAGER = "coldchain_sites.group_coldchain_manager"
GROUP_ALL_SITES = "coldchain_sites.group_coldchain_all_sites"


def governed(records):
    """``records`` in an environment allowed to write protected cold-chain fields.

    For governed methods only, after they checked who calls them, and for the
    excursion evaluation (trusted server code)."""
    return records.with_context(**{CONTEXT_KEY: _GOVERNED})


def is_governed(records):
    return records.env.context.get(CONTEXT_KEY) is _GOVERNED


def check_governed(records, fields, what):
    """Refuse values for protected ``fields`` outside a governed method.

    ``fields``: the protected field names the caller tries to set; ``what``: the
    message's subject ("the cold-chain hold of a lot", ...).  Applies to every
    user, the superuser included: these fields are part of an audit trail."""
    if fields and not is_governed(records):
        raise AccessError(
            records.env._(
                "%(what)s can only be changed through its governed action (fields: %(fields)s).",
                what=what,
                fields=", ".join(sorted(fields)),
            )
        )


def check_group(env, group, action):
    """Refuse ``action`` to a user without ``group`` (checked on the server)."""
    if not env.user.has_group(group):
        group_name = env.ref(group).sudo().display_name
        raise AccessError(
            env._(
                "%(action)s is reserved to the group %(group)s.",
                action=action,
                group=group_name,
            )
        )


def check_sites(records, action, site_field="warehouse_id", company_field="company_id"):
    """Refuse ``action`` on ``records`` of a company or site the user may not act on.

    The record rules already hide such records; this check does not rely on them
    (a caller may send ids it cannot read, and trusted code may have sudo()'d)."""
    env = records.env
    # sudo: reads only the company and site of the records to decide; nothing of
    # them is returned or shown to the caller
    probe = records.sudo()
    foreign = probe.filtered(lambda r: r[company_field] and r[company_field] not in env.companies)
    if not env.user.has_group(GROUP_ALL_SITES):
        sites = env.user.coldchain_warehouse_ids
        foreign |= probe.filtered(lambda r: r[site_field] not in sites)
    if foreign:
        raise AccessError(
            env._(
                "%(action)s: %(count)s record(s) belong to a site or company you do not work for.",
                action=action,
                count=len(foreign),
            )
        )


def governed_action(group, rule=None):
    """Decorate a public action: a caller outside ``group`` (XML id) is refused
    before it runs, whoever calls (web client, JSON-RPC, XML-RPC).

    ``rule`` says what the method checks besides (sites, state...).  Both are kept on
    the method (``_governed_groups``, ``_governed_rule``): the README's access matrix
    is generated from them and a repository test compares the two."""

    def decorate(method):
        @functools.wraps(method)
        def checked(self, *args, **kwargs):
            check_group(self.env, group, f"{self._description}: {method.__name__}")
            return method(self, *args, **kwargs)

        checked._governed_groups = (group,)
        checked._governed_rule = rule
        return checked

    return decorate
