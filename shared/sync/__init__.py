"""The sync engine: pure decisions (observe, decide, conflict, naming, guards) and the step runners."""
