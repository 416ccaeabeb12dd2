"""Writes on ratings, one command per file."""
