"""The use cases. Each public function is one step of a unit of work: load, check, act, write, audit, flush;
the caller (the web request, the CLI command) commits once at the end (commission.services.unit)."""
