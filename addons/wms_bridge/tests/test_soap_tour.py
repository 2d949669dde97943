"""A WMS Bridge manager sets up a SOAP partner from the UI alone (tour in
Chromium), against the loopback SOAP service; the mapping then works."""

from unittest.mock import patch
from urllib.parse import quote

from odoo.tests import HttpCase, new_test_user, tagged

from ..simulators.soap_partner import SoapPartner
from ..tools.settings import settings_from_values


@tagged("post_install", "-at_install")
class TestSoapSetupTour(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the loopback service is http://: the test switch is on
        settings = settings_from_values({"allow_insecure_http": "True", "http_timeout": "5"})
        settings_patch = patch(
            "odoo.addons.wms_bridge.models.wms_soap.get_settings", return_value=settings
        )
        settings_patch.start()
        cls.addClassCleanup(settings_patch.stop)
        cls.partner = SoapPartner().start()
        cls.addClassCleanup(cls.partner.stop)
        cls.manager = new_test_user(
            cls.env,
            login="wms_soap_tour_admin",
            groups="base.group_user,stock.group_stock_manager,wms_bridge.group_wms_bridge_manager",
        )

    def test_manager_sets_up_a_soap_partner_from_the_ui(self):
        wsdl = self.partner.url() + "?wsdl"
        self.start_tour(
            f"/odoo?soap_wsdl={quote(wsdl, safe='')}",
            "wms_bridge_soap_setup_tour",
            login=self.manager.login,
        )
        service = self.env["wms.soap.service"].search([("code", "=", "tourcarrier")])
        self.assertRecordValues(
            service, [{"name": "Tour Carrier", "wsdl_url": wsdl, "check_state": "ok"}]
        )
        operation = service.operation_ids
        self.assertRecordValues(
            operation,
            [{"operation": "GetTracking", "use": "tracking", "state": "active",
              "model": "stock.picking", "activated_by": self.manager.id}],
        )  # fmt: skip
        self.assertEqual(operation.exchange_type_id.code, "wms_soap_tourcarrier_gettracking")
        # what was set up in the screens works: a booked delivery gets its status
        picking = self.env["stock.picking"].create(
            {"picking_type_id": self.env.ref("stock.picking_type_out").id}
        )
        picking.sudo().write({"wms_soap_tracking_ref": "TRK123"})
        logged = operation._call(picking)
        self.assertEqual(
            logged.edi_exchange_state, "output_sent_and_processed", logged.exchange_error
        )
        self.assertEqual(picking.wms_soap_tracking_status, "in_transit")
