"""Composition root: create the FunctionApp and register the blueprints from functions/. Nothing else."""

import azure.functions as func

from functions import http_admin, http_dashboard, http_health, http_webhooks, queue_steps, timers
from shared.telemetry.setup import configure_telemetry

configure_telemetry()  # before any trigger runs: Application Insights, or the local JSON-lines file

app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)
app.register_functions(http_health.bp)
app.register_functions(http_admin.bp)
app.register_functions(http_webhooks.bp)
app.register_functions(queue_steps.bp)
app.register_functions(timers.bp)
app.register_functions(http_dashboard.bp)
