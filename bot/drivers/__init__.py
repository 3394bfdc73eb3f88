"""The two ways to run the runtime core: one process on its own, or one member of a fleet."""
