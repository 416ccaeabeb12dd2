"""Applicants (申请人): self-registration, online applications (一网通办) to one matter or an
一件事 theme, drafts and material uploads before the case exists, and the credit blacklist
(告知承诺, 一处失信、处处受限)."""
