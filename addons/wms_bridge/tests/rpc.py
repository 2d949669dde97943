"""Hostile callers through real HTTP JSON-RPC: log in, call ``call_kw``, expect a
refusal, and check as the administrator that nothing changed."""

REFUSALS = {
    "odoo.exceptions.AccessError",
    "odoo.exceptions.UserError",
    "odoo.exceptions.ValidationError",
}


class JsonRpcMixin:
    """For an HttpCase whose users' passwords are their logins (new_test_user)."""

    def call_kw(self, login, model, method, args, kwargs=None):
        """The decoded JSON-RPC answer of ``model.method(*args, **kwargs)`` called
        by ``login`` over HTTP (``result`` or ``error``)."""
        self.authenticate(login, login)
        response = self.opener.post(
            f"{self.base_url()}/web/dataset/call_kw",
            json={
                "jsonrpc": "2.0",
                "method": "call",
                "id": 1,
                "params": {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
            },
            timeout=60,
        )
        response.raise_for_status()
        return response.json()

    def assertRefused(self, login, model, method, args, kwargs=None, message=None):
        """The call is answered with an access, user or validation error (whose
        message contains ``message`` when given); returns the message."""
        answer = self.call_kw(login, model, method, args, kwargs)
        where = f"{login}: {model}.{method}{tuple(args)}"
        self.assertIn("error", answer, f"{where} was not refused: {answer.get('result')!r}")
        data = answer["error"]["data"]
        self.assertIn(data["name"], REFUSALS, f"{where}: {data['name']} {data['message']}")
        if message:
            self.assertIn(message, data["message"], where)
        return data["message"]

    def assertAllowed(self, login, model, method, args, kwargs=None):
        answer = self.call_kw(login, model, method, args, kwargs)
        where = f"{login}: {model}.{method}{tuple(args)}"
        self.assertNotIn("error", answer, f"{where}: {answer.get('error')}")
        return answer.get("result")  # a method returning None may send no result

    def snapshot(self, records_fields):
        """``{(model, id): values}`` read as the administrator, from the database."""
        self.env.invalidate_all()
        values = {}
        for records, field_names in records_fields:
            for record in records.sudo():
                values[record._name, record.id] = record.read(field_names)[0]
        return values
