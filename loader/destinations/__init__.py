"""Landing destinations: where the loader writes raw records, state and run history."""
