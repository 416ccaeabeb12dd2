"""Submitted data for the food sample's acceptance step (engine.window.rules) and its supplement wait."""
FOOD_MATERIALS = ["食品经营许可申请书", "营业执照", "法定代表人（负责人）身份证明", "经营场所平面图",
                  "设备布局和工艺流程图", "食品安全管理制度文本", "从业人员健康证明"]
SUPPLEMENT = {"supplied_materials": ["从业人员健康证明"]}


def food_accept(*missing, due=5):
    """受理 with every material present, or 容缺受理 with ``missing`` materials and ``due`` working days."""
    marks = {m: "missing" if m in missing else "present" for m in FOOD_MATERIALS}
    if not missing:
        return {"acceptance": "accept", "materials": marks}
    return {"acceptance": "tolerate", "materials": marks, "supplement_due": due}


FOOD_TOLERATED = food_accept("从业人员健康证明")
FOOD_COMPLETE = food_accept()
