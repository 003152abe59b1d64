"""Local Azure Functions host for the Python v2 programming model (Core Tools cannot be installed here).

Runs a `function_app.py` module's HTTP, storage-queue and timer triggers with the production host's
semantics (see ../shared/reference/local-runtime.md §4). Entry points: `python -m devhost` and
`devhost.runner.Host`. Development only: never deployed (excluded by .funcignore).
"""
