import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

// An integration user opens the WMS Bridge app and reaches the transfers.
registry.category("web_tour.tours").add("wms_bridge_apps_tour", {
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
            content: "The test transfer is listed",
            trigger: ".o_list_view .o_data_cell:contains('TOUR/OUT/0001')",
        },
    ],
});
