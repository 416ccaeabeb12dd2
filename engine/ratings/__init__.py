"""好差评: the applicant rates a finished case once (1–5 and a comment); ratings are
listed per matter and department and counted in the supervision statistics."""
