"""How the pipeline proves to itself that a write is its own.

Every caller is an RPC caller: a context key is something any JSON-RPC or
XML-RPC client can set, so it never grants anything here.  The pipeline's own
steps write their protected fields inside :func:`governed`, which puts a
module-level object into the context.  Nothing that arrives over the wire can be
that object (RPC contexts are JSON), so ``is_governed`` is true only for calls
made by this addon's Python code (the pattern of OCA queue_job's edit sentinel).
"""

import functools

from odoo.exceptions import AccessError

_SENTINEL = object()
CONTEXT_KEY = "distribution_orchestration_governed"

# Groups, by XML id; one place for the names every check below uses.
GROUP_USER = "distribution_orchestration.group_orchestration_user"
GROUP_CREDIT = "distribution_orchestration.group_orchestration_credit"
GROUP_MANAGER = "distribution_orchestration.group_orchestration_manager"
GROUP_ALL_SITES = "distribution_orchestration.group_orchestration_all_sites"


def governed(records):
    """``records`` in the pipeline's own context (see module docstring)."""
    return records.with_context(**{CONTEXT_KEY: _SENTINEL})


def is_governed(env):
    return env.context.get(CONTEXT_KEY) is _SENTINEL


def ungoverned_context(env):
    """The caller's context without the sentinel, for calls into other modules."""
    return {key: value for key, value in env.context.items() if key != CONTEXT_KEY}


def refuse_protected(records, vals, fields_):
    """Raise when ``vals`` touches any of ``fields_`` outside a governed step."""
    touched = sorted(set(vals) & set(fields_))
    if touched and not is_governed(records.env):
        labels = ", ".join(records._fields[name].string for name in touched)
        raise AccessError(
            records.env._(
                "%(fields)s of %(model)s can only be changed by the order pipeline's own "
                "steps (submit, hold resolution, allocation, release), not written directly.",
                fields=labels,
                model=records._description,
            )
        )


def require_group(env, xmlids, action):
    """Refuse ``action`` unless the user is superuser or in one of ``xmlids``."""
    if env.su or any(env.user.has_group(xmlid) for xmlid in xmlids):
        return
    names = ", ".join(env.ref(xmlid).sudo().full_name for xmlid in xmlids)
    raise AccessError(
        env._("%(action)s needs one of these groups: %(groups)s.", action=action, groups=names)
    )


def governed_action(*groups, rule=None):
    """Decorate a public action method: callers outside ``groups`` (XML ids) are
    refused before it runs, whoever they are (web client, JSON-RPC, XML-RPC).

    ``rule`` states any further condition the method checks itself (site, four
    eyes...).  Both are kept on the method (``_governed_groups``,
    ``_governed_rule``): the README's access matrix is generated from them and a
    repository test compares the two.
    """

    def decorate(method):
        @functools.wraps(method)
        def checked(self, *args, **kwargs):
            require_group(self.env, groups, f"{self._description}: {method.__name__}")
            return method(self, *args, **kwargs)

        checked._governed_groups = groups
        checked._governed_rule = rule
        return checked

    return decorate
