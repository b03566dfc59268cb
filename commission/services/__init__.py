"""The use cases. Each public function is one unit of work: load, check, act, write, audit, commit."""
