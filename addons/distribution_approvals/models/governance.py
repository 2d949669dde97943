"""How the approval flows prove to themselves that a write is their own.

Reviews (``tier.review``) of the documents these flows govern are the approval
itself; base_tier_validation lets every internal user create, write and delete
them.  Here they change only inside :func:`governed`, which puts a module-level
object into the context: nothing that arrives over JSON-RPC or XML-RPC can be
that object (the pattern of OCA queue_job's edit sentinel and of
distribution_orchestration's governance module).
"""

_SENTINEL = object()
CONTEXT_KEY = "distribution_approvals_governed"


def governed(records):
    return records.with_context(**{CONTEXT_KEY: _SENTINEL})


def is_governed(env):
    return env.context.get(CONTEXT_KEY) is _SENTINEL
