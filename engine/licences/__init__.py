"""E-licence library (电子证照库): licences issued by a drawn service task, listed,
revoked with a reason, and reused as materials when a later case starts.

    engine.licences.list(actor, holder=...)     # who may see which licences
    engine.licences.revoke(licence_id, reason, actor)
    engine.licences.of_case(case_id)            # issued by, and reused in, a case
"""
