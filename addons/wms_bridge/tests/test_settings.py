from odoo.tests import TransactionCase, tagged

from ..tools.settings import DEFAULT_HTTP_TIMEOUT, DEFAULT_INBOUND_MAX_BYTES, settings_from_values


@tagged("post_install", "-at_install")
class TestSettings(TransactionCase):
    """The [wms_bridge] section: http:// partner URLs are off unless switched on."""

    def test_insecure_http_is_off_unless_switched_on(self):
        self.assertFalse(settings_from_values({})["allow_insecure_http"])

        def insecure(value):
            return settings_from_values({"allow_insecure_http": value})["allow_insecure_http"]

        for value in ("False", "0", "no", "", "off", "maybe"):
            self.assertFalse(insecure(value), value)
        for value in ("True", "true", "1", "yes", " on "):
            self.assertTrue(insecure(value), value)

    def test_defaults_for_unusable_values(self):
        settings = settings_from_values({"http_timeout": "soon", "inbound_max_bytes": "-5"})
        self.assertEqual(settings["http_timeout"], DEFAULT_HTTP_TIMEOUT)
        self.assertEqual(settings["inbound_max_bytes"], DEFAULT_INBOUND_MAX_BYTES)
