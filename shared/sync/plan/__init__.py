"""The sync planner: one pure function from both sides' state and the agreed state to actions.

`vocabulary` names the closed sets (changes, actions), `state` the inputs, `planner` the decision.
Nothing here does I/O or reads the clock. Never imports azure.functions.
"""
