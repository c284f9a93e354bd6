"""Pages of the customers app, by topic."""
