import { registry } from "@web/core/registry";

// The integration user asks for the 3PL's stock differences to be validated.
registry.category("web_tour.tours").add("wms_bridge_tier_validation_request_tour", {
    steps: () => [
        {
            content: "The reconciliation has a difference and nobody asked for its validation yet",
            trigger: ".o_form_view .o_field_widget[name='difference_count']:contains('1')",
        },
        {
            content: "Request the validation",
            trigger: ".o_form_view button[name='request_validation']:visible",
            run: "click",
        },
        {
            content: "It waits for the inventory administrators",
            trigger: ".o_form_view .alert-warning:contains('Pending validation by')",
        },
        {
            content: "Unfold the reviews",
            trigger: ".o_form_view .o_field_widget[name='review_ids'] a.o_info_btn",
            run: "click",
        },
        {
            content: "The request is listed, for the inventory administrators",
            trigger: ".o_form_view .o_field_widget[name='review_ids'] tr:has(td[name='td_name']:contains('3PL stock differences')):has(td[name='td_requested_by']:contains('Integration Requester'))",
        },
    ],
});

// An inventory administrator validates the request, then applies the differences.
registry.category("web_tour.tours").add("wms_bridge_tier_validation_approve_tour", {
    steps: () => [
        {
            content: "Differences cannot be applied before the validation",
            trigger: ".o_form_view .o_form_statusbar:not(:has(button[name='action_apply_differences']))",
        },
        {
            content: "Validate",
            trigger: ".o_form_view button[name='validate_tier']:visible",
            run: "click",
        },
        {
            content: "The validation is recorded",
            trigger: ".o_form_view .alert-success:contains('validated')",
        },
        {
            content: "Apply the differences",
            trigger: ".o_form_view button[name='action_apply_differences']:visible",
            run: "click",
        },
        {
            content: "The reconciliation is applied",
            trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains('Applied')",
        },
    ],
});
