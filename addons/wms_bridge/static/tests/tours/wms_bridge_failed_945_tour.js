import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

// An integration user finds the 945 that failed on its delivery's form (EDI tab),
// reads why, and reprocesses it once the cause is fixed.
registry.category("web_tour.tours").add("wms_bridge_failed_945_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("wms_bridge.wms_bridge_menu_root", "Open the WMS Bridge app"),
        {
            content: "Open the Operations menu",
            trigger: 'button[data-menu-xmlid="wms_bridge.wms_bridge_menu_operations"]',
            run: "click",
        },
        {
            content: "Open the transfers",
            trigger: 'a[data-menu-xmlid="wms_bridge.wms_bridge_menu_transfers"]',
            run: "click",
        },
        {
            content: "Open the delivery",
            trigger: ".o_list_view .o_data_cell:contains('TOUR/OUT/945')",
            run: "click",
        },
        {
            content: "Open its EDI tab",
            trigger: ".o_form_view .o_notebook .nav-link:contains('EDI')",
            run: "click",
        },
        {
            content: "The 945 is there, parked, with its reason",
            trigger:
                ".o_field_widget[name='wms_exchange_ids'] .o_data_row:contains('945'):contains('Parked'):contains('TOUR-SKU-X')",
        },
        {
            content: "Reprocess it",
            trigger:
                ".o_field_widget[name='wms_exchange_ids'] .o_data_row:contains('945') button[name='action_reprocess']",
            run: "click",
        },
        {
            content: "It is queued for processing again",
            trigger:
                ".o_field_widget[name='wms_exchange_ids'] .o_data_row:contains('945'):contains('Received'):not(:has(button[name='action_reprocess']))",
        },
    ],
});
