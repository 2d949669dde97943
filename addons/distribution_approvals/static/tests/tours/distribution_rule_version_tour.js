import { registry } from "@web/core/registry";

// A rule administrator proposes a change of an order check from its form.
registry.category("web_tour.tours").add("distribution_rule_version_propose_tour", {
    steps: () => [
        {
            content: "The check shows the version in force",
            trigger: ".o_form_view .o_stat_info:contains('v1')",
        },
        {
            content: "Propose a change",
            trigger: ".o_form_view button[name='action_rule_propose_change']:visible",
            run: "click",
        },
        {
            content: "A draft version opens",
            trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains('Draft')",
        },
        {
            content: "Add a change",
            trigger: ".o_form_view .o_field_widget[name='change_ids'] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            content: "Choose the setting",
            trigger: ".o_form_view .o_selected_row .o_field_widget[name='field_key'] .o_select_menu_toggler",
            run: "click",
        },
        {
            content: "Tolerance of the credit check",
            trigger: ".o_select_menu_menu .o_select_menu_item:contains('Order Check: Tolerance (%)')",
            run: "click",
        },
        {
            content: "The value it has now is shown",
            trigger: ".o_form_view .o_selected_row .o_field_widget[name='current_value']:contains('5')",
        },
        {
            content: "Type the new value",
            trigger: ".o_form_view .o_selected_row .o_field_widget[name='new_value'] input",
            run: "edit 2.5",
        },
        {
            content: "Say why",
            trigger: ".o_form_view .o_field_widget[name='reason'] textarea",
            run: "edit Credit audit: less tolerance",
        },
        {
            content: "Save the draft",
            trigger: ".o_form_view .o_form_button_save:visible",
            run: "click",
        },
        {
            content: "Saved, waiting for another approver",
            trigger: ".o_form_view .o_form_saved",
        },
        {
            content: "Activating one's own proposal is refused",
            trigger: ".o_form_view button[name='action_activate']:visible",
            run: "click",
        },
        {
            content: "Four eyes: another approver activates it",
            trigger: ".modal-body:contains('another approver activates it')",
        },
    ],
});
