import { Component } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { standardFieldProps } from "@web/views/fields/standard_field_props";

/**
 * Password input of the electronic signature (coldchain.disposition.wizard).
 *
 * The field is read-only in the form view, so the web client never sends its value
 * when it saves the wizard or asks for an onchange; this widget still offers an
 * input and keeps what is typed in the record, where only the Sign button
 * (SignButton) reads it. The password thus reaches the server once, in the context
 * of the signing call, and is never stored.
 */
export class SignaturePasswordField extends Component {
    static template = "coldchain_sites.SignaturePasswordField";
    static props = {
        ...standardFieldProps,
        placeholder: { type: String, optional: true },
    };

    onInput(ev) {
        this.props.record.update({ [this.props.name]: ev.target.value });
    }
}

export const signaturePasswordField = {
    component: SignaturePasswordField,
    displayName: _t("Signature password"),
    supportedTypes: ["char"],
    extractProps: ({ placeholder }) => ({ placeholder }),
};

registry.category("fields").add("coldchain_signature_password", signaturePasswordField);
