"""Step runners: each executes one kind of pipeline message, with I/O, and logs its decisions."""
