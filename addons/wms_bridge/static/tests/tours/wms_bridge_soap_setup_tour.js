import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

// A WMS Bridge manager sets up a carrier's SOAP service from the UI alone, as the
// README's "SOAP services" section says: the service (WSDL, timeout), Check WSDL,
// then a tracking mapping, activated.  The test passes the loopback service's WSDL
// address in the start URL (?soap_wsdl=...).
const WSDL_KEY = "wms_bridge_soap_tour_wsdl";

function openConfiguration(menu, title) {
    return [
        {
            content: "Open the Configuration menu",
            trigger: 'button[data-menu-xmlid="wms_bridge.wms_bridge_menu_configuration"]',
            run: "click",
        },
        {
            content: `Open ${menu}`,
            trigger: `a[data-menu-xmlid="wms_bridge.${menu}"]`,
            run: "click",
        },
        {
            content: `${title} are listed`,
            trigger: `.o_breadcrumb:contains(${title})`,
        },
        { content: "New", trigger: ".o_list_view .o_list_button_add", run: "click" },
    ];
}

// No url of its own: the tour starts where the test opened the web client, so the
// address it passed stays readable.
registry.category("web_tour.tours").add("wms_bridge_soap_setup_tour", {
    steps: () => [
        {
            content: "Remember the WSDL address the test passed",
            trigger: "body",
            run() {
                const wsdl = new URLSearchParams(window.location.search).get("soap_wsdl");
                if (!wsdl) {
                    throw new Error("the test passes ?soap_wsdl=<address> in the start URL");
                }
                window.sessionStorage.setItem(WSDL_KEY, wsdl);
            },
        },
        ...stepUtils.goToAppSteps("wms_bridge.wms_bridge_menu_root", "Open the WMS Bridge app"),
        ...openConfiguration("wms_soap_service_menu", "SOAP Services"),
        { trigger: ".o_field_widget[name=name] input", run: "edit Tour Carrier" },
        { trigger: ".o_field_widget[name=code] input", run: "edit tourcarrier" },
        {
            content: "The partner's WSDL address",
            trigger: ".o_field_widget[name=wsdl_url] input",
            async run(helpers) {
                await helpers.edit(window.sessionStorage.getItem(WSDL_KEY));
            },
        },
        { trigger: ".o_field_widget[name=operation_timeout] input", run: "edit 5" },
        { content: "Save the service", trigger: ".o_form_button_save", run: "click" },
        { trigger: ".o_form_saved" },
        { content: "Check WSDL", trigger: "button[name=action_check_connection]", run: "click" },
        {
            content: "The WSDL loaded and its operations are listed",
            trigger: ".o_field_widget[name=check_message]:contains(GetTracking)",
        },
        ...openConfiguration("wms_soap_operation_menu", "SOAP Mappings"),
        { trigger: ".o_field_widget[name=name] input", run: "edit Tour tracking" },
        { trigger: ".o_field_widget[name=service_id] input", run: "edit Tour Carrier" },
        {
            trigger: ".o-autocomplete--dropdown-item .dropdown-item:contains(Tour Carrier)",
            run: "click",
        },
        { trigger: ".o_field_widget[name=operation] input", run: "edit GetTracking" },
        {
            content: "Open the uses",
            trigger: ".o_field_widget[name=use] .o_select_menu_toggler",
            run: "click",
        },
        {
            content: "Use: tracking updates (sets the model to transfers)",
            trigger: ".o_select_menu_menu .o_select_menu_item:contains(Tracking updates)",
            run: "click",
        },
        { trigger: ".o_field_widget[name=model_id] input:value(Transfer)" },
        {
            content: "The mapping",
            trigger: ".o_field_widget[name=mapping] textarea",
            run:
                'edit {"request": {"tracking_number": "wms_soap_tracking_ref"}, ' +
                '"response": {"wms_soap_tracking_status": "status"}}',
        },
        { content: "Save the mapping", trigger: ".o_form_button_save", run: "click" },
        { trigger: ".o_form_saved" },
        { content: "Activate it", trigger: "button[name=action_activate]", run: "click" },
        {
            content: "The mapping is active",
            trigger: '.o_statusbar_status button[aria-checked="true"]:contains(Active)',
        },
    ],
});
