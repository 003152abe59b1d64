"""Sample app for the devhost tests: HTTP -> queue -> queue chain, a failing path, a slow queue, timers
and routes with every auth level. Every invocation appends a JSON line to $CALLS_FILE."""

import json
import os
import time

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)


def record(**fields: object) -> None:
    line = json.dumps({"at": time.time(), **fields}) + "\n"
    with open(os.environ["CALLS_FILE"], "a", encoding="utf-8") as fh:
        fh.write(line)


@app.route(route="items/{id:int}", methods=["POST"])
@app.queue_output(arg_name="out", queue_name="%WORK_QUEUE%", connection="AzureWebJobsStorage")
def enqueue(req: func.HttpRequest, out: func.Out[str]) -> func.HttpResponse:
    payload = {"id": int(req.route_params["id"]), **(req.get_json() if req.get_body() else {})}
    out.set(json.dumps(payload))
    return func.HttpResponse(json.dumps(payload), status_code=202, mimetype="application/json")


@app.queue_trigger(arg_name="msg", queue_name="%WORK_QUEUE%", connection="AzureWebJobsStorage")
@app.queue_output(arg_name="done", queue_name="%DONE_QUEUE%", connection="")
async def process(msg: func.QueueMessage, done: func.Out[str], context: func.Context) -> None:
    record(fn="process", message_id=msg.id, dequeue_count=msg.dequeue_count, body=msg.get_body().decode())
    payload = json.loads(msg.get_body())
    if payload.get("fail"):
        raise RuntimeError("asked to fail")
    done.set(json.dumps({**payload, "message_id": msg.id, "dequeue_count": msg.dequeue_count,
                         "function": context.function_name, "has_pop_receipt": bool(msg.pop_receipt),
                         "inserted": msg.insertion_time.isoformat() if msg.insertion_time else None}))


@app.queue_trigger(arg_name="msg", queue_name="%SLOW_QUEUE%", connection="AzureWebJobsStorage")
def slow(msg: func.QueueMessage) -> None:
    payload = json.loads(msg.get_body())
    record(fn="slow", event="start", tag=payload["tag"], dequeue_count=msg.dequeue_count)
    time.sleep(payload["seconds"])
    record(fn="slow", event="end", tag=payload["tag"])


@app.timer_trigger(arg_name="timer", schedule="%TICK_SCHEDULE%")
def tick(timer: func.TimerRequest) -> None:
    record(fn="tick", past_due=timer.past_due)


@app.timer_trigger(arg_name="timer", schedule="0 0 0 1 1 *", run_on_startup=True)
async def boot(timer: func.TimerRequest) -> None:
    record(fn="boot", past_due=timer.past_due)


@app.timer_trigger(arg_name="timer", schedule="0 0 0 1 1 *")
def yearly(timer: func.TimerRequest) -> None:
    record(fn="yearly", past_due=timer.past_due)


@app.route(route="secure", methods=["GET"])
def secure(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("secret")


@app.route(route="operator", methods=["GET"], auth_level=func.AuthLevel.ADMIN)
def operator(req: func.HttpRequest) -> str:
    return "operator"


@app.route(route="users/me", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def me(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(json.dumps({"who": "me"}), mimetype="application/json")


@app.route(route="users/{name:alpha}", auth_level=func.AuthLevel.ANONYMOUS)
async def user(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
    body = {"name": req.route_params["name"], "method": req.method, "params": dict(req.params),
            "function": context.function_name, "header": req.headers.get("x-test")}
    return func.HttpResponse(json.dumps(body), mimetype="application/json", headers={"x-served-by": "devhost"})


@app.route(route="things/{id:int}/{rest?}", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def thing(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(json.dumps(dict(req.route_params)), mimetype="application/json")


@app.route(route="files/{*path}", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def files(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(json.dumps(dict(req.route_params)), mimetype="application/json")


@app.route(route="boom", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def boom(req: func.HttpRequest) -> func.HttpResponse:
    raise RuntimeError("boom")
