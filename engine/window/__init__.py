"""Front window (前台综合受理、统一窗口出件): who may take in an application, the
acceptance (受理) and delivery (出件/送达) rules read from the catalogue and the
diagram, what a case waits for, numbered notices, and the words forms give to data."""
