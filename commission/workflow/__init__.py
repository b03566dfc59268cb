"""The state machines: one module per kind of record that moves through steps, and the engine."""
