"""Supervision (电子监察): working-day clocks, cards, special procedures and statistics."""
