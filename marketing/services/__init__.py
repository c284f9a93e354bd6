"""Marketing's writes: segment evaluation and tiers."""
