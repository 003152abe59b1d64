"""Sample app with host.json messageEncoding `none` and routePrefix `v1`: messages stay plain text."""

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="echo", methods=["POST"])
@app.queue_output(arg_name="out", queue_name="%IN_QUEUE%", connection="AzureWebJobsStorage")
def echo(req: func.HttpRequest, out: func.Out[str]) -> func.HttpResponse:
    out.set(req.get_body().decode())
    return func.HttpResponse(status_code=202)


@app.queue_trigger(arg_name="msg", queue_name="%IN_QUEUE%", connection="AzureWebJobsStorage")
@app.queue_output(arg_name="$return", queue_name="%OUT_QUEUE%", connection="AzureWebJobsStorage")
def shout(msg: func.QueueMessage) -> str:
    return msg.get_body().decode().upper()
