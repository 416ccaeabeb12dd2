"""一证申办 with the library: at case start, materials the applicant already holds a
valid e-licence for are attached from the library instead of being asked for."""
from engine import history
from engine.models import CaseLicence

from .service import valid_licences


def attach_held_licences(step, matter):
    """Link the applicant's valid licences to the matter's materials that they replace; returns the links."""
    materials = [m for m in ((matter.guide or {}).get("materials") or []) if isinstance(m, dict)
                 and isinstance(m.get("licence_type"), str) and m.get("licence_type")] if matter else []
    if not materials:
        return []
    case = step.case
    held = valid_licences(step.session, case.applicant_id_number, {m["licence_type"] for m in materials},
                          step.engine.clock.now())
    links, listed = [], []
    for material in materials:
        licence = held.get(material["licence_type"])
        if licence is not None:
            links.append(CaseLicence(case_id=case.id, licence_id=licence.id, material=material["name"]))
            listed.append({"material": material["name"], "licence_id": licence.id, "type": licence.type,
                           "number": licence.number})
    if links:
        step.session.add_all(links)
        step.event(history.LICENCE_REUSED, actor=None, data={"materials": listed})
    return links
