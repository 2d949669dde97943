import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

// An integration user's round: the exchange dashboard, the exchanges, a parked 846
// reprocessed once its cause was fixed, and the stock reconciliations.
registry.category("web_tour.tours").add("wms_bridge_operations_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("wms_bridge.wms_bridge_menu_root", "Open the WMS Bridge app"),
        {
            content: "Open the Reporting menu",
            trigger: 'button[data-menu-xmlid="wms_bridge.wms_bridge_menu_reporting"]',
            run: "click",
        },
        {
            content: "Open the exchange dashboard",
            trigger: 'a[data-menu-xmlid="wms_bridge.wms_exchange_report_menu"]',
            run: "click",
        },
        {
            content: "The dashboard shows the tour partner's exchanges",
            trigger: ".o_pivot_view .o_pivot:contains('Tour 3PL West')",
        },
        {
            content: "Open the Operations menu",
            trigger: 'button[data-menu-xmlid="wms_bridge.wms_bridge_menu_operations"]',
            run: "click",
        },
        {
            content: "Open the exchanges",
            trigger: 'a[data-menu-xmlid="wms_bridge.wms_exchange_menu"]',
            run: "click",
        },
        {
            content: "Open the parked 846",
            trigger: ".o_list_view .o_data_row:contains('Tour 3PL West'):contains('Parked') .o_data_cell[name='name']",
            run: "click",
        },
        {
            content: "It says why it was parked",
            trigger: ".o_form_view .o_field_widget[name='error_text']:contains('TOUR-NEW')",
        },
        {
            content: "The product has been created since: reprocess it",
            trigger: ".o_form_view button[name='action_reprocess']:visible",
            run: "click",
        },
        {
            content: "It is queued for processing again",
            trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains('Received')",
        },
        {
            content: "Nothing to reprocess any more",
            trigger: ".o_form_view .o_form_statusbar:not(:has(button[name='action_reprocess']))",
        },
        {
            content: "Open the Operations menu again",
            trigger: 'button[data-menu-xmlid="wms_bridge.wms_bridge_menu_operations"]',
            run: "click",
        },
        {
            content: "Open the stock reconciliations",
            trigger: 'a[data-menu-xmlid="wms_bridge.wms_stock_reconciliation_menu"]',
            run: "click",
        },
        {
            content: "The reconciliation of the processed 846 is listed",
            trigger: ".o_list_view .o_data_row:contains('Tour 3PL West TOUR-INV-1')",
        },
    ],
});

// A WMS Bridge administrator opens the trading partners.
registry.category("web_tour.tours").add("wms_bridge_configuration_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("wms_bridge.wms_bridge_menu_root", "Open the WMS Bridge app"),
        {
            content: "Open the Configuration menu",
            trigger: 'button[data-menu-xmlid="wms_bridge.wms_bridge_menu_configuration"]',
            run: "click",
        },
        {
            content: "Open the trading partners",
            trigger: 'a[data-menu-xmlid="wms_bridge.wms_trading_partner_menu"]',
            run: "click",
        },
        {
            content: "Open the tour partner",
            trigger: ".o_list_view .o_data_cell:contains('Tour 3PL West')",
            run: "click",
        },
        {
            content: "Its form opens",
            trigger: ".o_form_view .o_field_widget[name='name'] input:value('Tour 3PL West')",
        },
    ],
});
