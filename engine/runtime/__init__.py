"""Runtime: cases (办件) — starting them, moving them, finding them."""
