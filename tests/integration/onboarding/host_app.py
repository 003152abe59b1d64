"""The app the onboarding tests run in the local host: function_app's HTTP blueprints only.

function_app.py also registers the pipeline's queue triggers; running them here would consume the
StartInitialSync / ProcoreChange messages these tests read back. tests/unit/onboarding checks that
function_app registers these same blueprints.
"""

import azure.functions as func

from functions import http_admin, http_dashboard, http_health, http_webhooks

app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)
app.register_functions(http_health.bp)
app.register_functions(http_admin.bp)
app.register_functions(http_webhooks.bp)
app.register_functions(http_dashboard.bp)
