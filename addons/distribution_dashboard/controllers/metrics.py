from odoo import http
from odoo.http import request

from ..engine.health import prometheus_text

GROUP_METRICS = "distribution_dashboard.group_dashboard_executive"


class DistributionMetrics(http.Controller):
    @http.route(
        "/distribution_dashboard/metrics", type="http", auth="bearer", methods=["GET"], csrf=False
    )
    def metrics(self):
        """Prometheus text format.  Authenticated by an API key (``Authorization:
        Bearer <key>``, the scraper's user) or a session; the user must be a dashboard
        executive, checked here."""
        if not request.env.user.has_group(GROUP_METRICS):
            return request.make_response("forbidden\n", status=403)
        samples = request.env["distribution.dashboard.health.metric"]._gather()
        return request.make_response(
            prometheus_text(samples),
            headers=[("Content-Type", "text/plain; version=0.0.4; charset=utf-8")],
        )
