import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

// A distribution user opens the Distribution app and finds the network's warehouses.
registry.category("web_tour.tours").add("distribution_orchestration_apps_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps(
            "distribution_orchestration.distribution_orchestration_menu_root",
            "Open the Distribution app"
        ),
        {
            content: "Open the Network menu",
            trigger: 'button[data-menu-xmlid="distribution_orchestration.distribution_orchestration_menu_network"]',
            run: "click",
        },
        {
            content: "Open the warehouses of the network",
            trigger: 'a[data-menu-xmlid="distribution_orchestration.distribution_orchestration_menu_warehouses"]',
            run: "click",
        },
        {
            content: "The test warehouse is listed",
            trigger: ".o_list_view .o_data_cell:contains('Tour Hub Rotterdam')",
        },
    ],
});
