"""Analyst workbench (#13): drafts, sandbox trials of a draft, versions and migration of running cases."""
