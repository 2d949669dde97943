import { registry } from "@web/core/registry";

// The buyer finds the purchase order rejected at tier 2, changes it and asks again.
registry.category("web_tour.tours").add("distribution_approvals_po_change_tour", {
    steps: () => [
        {
            content: "The purchase order was rejected",
            trigger: ".o_form_view .alert-danger:contains('rejected')",
        },
        {
            content: "The reviewer's reason is on the rejected review",
            trigger: ".o_form_view .o_field_widget[name='review_ids']",
        },
        {
            content: "Restart the validation to change the order",
            trigger: ".o_form_view button[name='restart_validation']:visible",
            run: "click",
        },
        {
            content: "The reviews are cleared: the order can be changed and asked again",
            trigger: ".o_form_view:not(:has(.alert-danger:visible)) button[name='request_validation']:visible",
        },
        {
            content: "Open the quantity of the line",
            trigger: ".o_form_view .o_field_widget[name='order_line'] .o_data_row:first-child td.o_data_cell[name='product_qty']",
            run: "click",
        },
        {
            content: "Order less",
            trigger: ".o_form_view .o_field_widget[name='order_line'] .o_selected_row .o_field_widget[name='product_qty'] input",
            run: "edit 40",
        },
        {
            content: "Save",
            trigger: ".o_form_view .o_form_button_save:visible",
            run: "click",
        },
        {
            content: "Saved",
            trigger: ".o_form_view .o_form_saved",
        },
        {
            content: "Request the validation again",
            trigger: ".o_form_view button[name='request_validation']:visible",
            run: "click",
        },
        {
            content: "It waits for the purchase managers",
            trigger: ".o_form_view .alert-warning:contains('Pending validation by')",
        },
    ],
});

// The purchase manager validates the changed order.
registry.category("web_tour.tours").add("distribution_approvals_po_validate_tour", {
    steps: () => [
        {
            content: "Validate",
            trigger: ".o_form_view button[name='validate_tier']:visible",
            run: "click",
        },
        {
            content: "The validation is recorded",
            trigger: ".o_form_view .alert-success:contains('validated')",
        },
    ],
});
