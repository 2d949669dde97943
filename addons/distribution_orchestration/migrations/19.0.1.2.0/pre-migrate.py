"""19.0.1.2.0: explanations are a code plus parameters, rendered in the reader's language.

A hold's ``explanation`` and a log entry's ``message`` are now rendered when read;
the text recorded until now stays, in the renamed columns ``explanation_text`` and
``message_text`` (the rendered field falls back to it).  post-migrate.py gives
parameters to the rows whose text it can read back exactly."""

from odoo.tools.sql import column_exists, rename_column

RENAMED = (
    ("distribution_hold", "explanation", "explanation_text"),
    ("distribution_log", "message", "message_text"),
)


def migrate(cr, version):
    if not version:
        return
    for table, old, new in RENAMED:
        if column_exists(cr, table, old) and not column_exists(cr, table, new):
            rename_column(cr, table, old, new)
