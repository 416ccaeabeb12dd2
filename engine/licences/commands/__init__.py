"""Writes on the e-licence library, one command per file."""
