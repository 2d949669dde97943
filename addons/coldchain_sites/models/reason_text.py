"""Excursion explanations rendered in the reader's language (the Odoo side of
``engine/messages``).

An excursion stores a message code and its parameters; its explanation is rendered
when read, with :class:`LangFormatter`: the templates are translated by Odoo's code
translations of this addon (``i18n/<lang>.po``, extracted from the ``_lt("...")``
markers of ``engine/messages.py``), numbers are written the reader's way.
"""

import logging

from ..engine import messages as engine_messages

_logger = logging.getLogger(__name__)


class LangFormatter(engine_messages.Formatter):
    """The engine's formatter in the language of ``env`` (``env.lang``, else English)."""

    def __init__(self, env):
        self.env = env
        self.lang = env["res.lang"]._lang_get(env.lang or "en_US")

    def template(self, code):
        # the template is a source string of this addon's code translations
        return self.env._(engine_messages.MESSAGES[code])

    def number(self, value, digits):
        if not self.lang:
            return super().number(value, digits)
        return self.lang.format(f"%.{digits}f", value, grouping=True)


def render_reason(env, code, params, fallback=""):
    """The message ``code`` with ``params`` in ``env``'s language; ``fallback`` when
    there are no parameters or the code is unknown."""
    if not code or params is None:
        return fallback or ""
    try:
        return engine_messages.render(code, params, LangFormatter(env))
    except (KeyError, ValueError, TypeError) as error:
        _logger.info("explanation %s not rendered (%r)", code, error)
        return fallback or ""
