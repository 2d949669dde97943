"""Explanations rendered in the reader's language (the Odoo side of ``engine/messages``).

Holds and decision log entries store a message code and its parameters; their
explanation is rendered when read, with :class:`LangFormatter`: the templates are
translated by Odoo's code translations of this addon (``i18n/<lang>.po``, extracted
from the ``_lt("...")`` markers of ``engine/messages.py``), figures and dates are
formatted the way the reader's language writes them.  A row without parameters (or
with a code this version does not know) shows the text it recorded.
"""

import logging
from datetime import datetime

from odoo.tools.misc import format_date, format_datetime

from ..engine import messages as engine_messages
from ..engine.common import EPS

_logger = logging.getLogger(__name__)


class LangFormatter(engine_messages.Formatter):
    """The engine's formatter in the language of ``env`` (``env.lang``, else English)."""

    def __init__(self, env):
        self.env = env
        lang = env["res.lang"]._lang_get(env.lang or "en_US")
        self.lang = lang or env["res.lang"]._lang_get("en_US")

    def template(self, code):
        # the template is a source string of this addon's code translations
        return self.env._(engine_messages.MESSAGES[code])

    def number(self, value, digits):
        if not self.lang:
            return super().number(value, digits)
        return self.lang.format(f"%.{digits}f", value, grouping=True)

    def amount(self, value):
        return self.number(value, 2)

    def qty(self, value):
        if abs(value - round(value)) < EPS:
            return self.number(round(value), 0)
        text = self.number(value, 3)
        point = self.lang.decimal_point if self.lang else "."
        return text.rstrip("0").rstrip(point) if point in text else text

    def when(self, value):
        if value is None:
            return super().when(value)
        if isinstance(value, datetime):
            return format_datetime(self.env, value, dt_format="short")
        return format_date(self.env, value)


def render_reason(env, code, params, fallback=""):
    """The message ``code`` with ``params`` in ``env``'s language; ``fallback`` (the
    recorded text) when there are no parameters or the code is unknown."""
    if not code or params is None:
        return fallback or ""
    try:
        return engine_messages.render(code, params, LangFormatter(env))
    except (KeyError, ValueError, TypeError) as error:
        _logger.info("explanation %s not rendered (%r): recorded text shown", code, error)
        return fallback or ""
