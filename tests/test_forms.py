import json

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from engine.errors import DefinitionInvalid, FormInvalid
from engine.repository.forms import MAX_DATA_BYTES, MAX_DEPTH, ROOT, Form, validate_free_data

# A 受理 form as the form-js editor writes it: every supported component type.
ACCEPT_FORM = {
    "type": "default",
    "id": "Form_0x1y2z3",
    "schemaVersion": 16,
    "exporter": {"name": "Camunda Modeler", "version": "5.25.0"},
    "components": [
        {"type": "text", "id": "Field_title", "text": "# 受理登记\n请核对申请人信息。"},
        {"type": "html", "id": "Field_note", "content": "<p>带 * 为必填项</p>"},
        {"type": "image", "id": "Field_logo", "source": "https://example.org/logo.png", "alt": "徽标"},
        {"type": "group", "id": "Field_applicant", "label": "申请人", "showOutline": True,
         "components": [
             {"type": "radio", "id": "Field_kind", "key": "applicant_kind", "label": "申请人类型",
              "values": [{"label": "自然人", "value": "person"}, {"label": "法人", "value": "org"}],
              "validate": {"required": True}},
             {"type": "textfield", "id": "Field_name", "key": "applicant_name", "label": "申请人名称",
              "validate": {"required": True, "minLength": 2, "maxLength": 50}},
             {"type": "textfield", "id": "Field_idno", "key": "id_number", "label": "身份证号码",
              "properties": {"format": "id_number"},
              "conditional": {"hide": "=applicant_kind != \"person\""}, "validate": {"required": True}},
             {"type": "textfield", "id": "Field_uscc", "key": "credit_code", "label": "统一社会信用代码",
              "properties": {"format": "uscc"},
              "conditional": {"hide": "=applicant_kind != \"org\""}, "validate": {"required": True}},
             {"type": "textfield", "id": "Field_phone", "key": "phone", "label": "联系电话",
              "validate": {"required": True, "validationType": "phone"}},
             {"type": "textfield", "id": "Field_email", "key": "email", "label": "电子邮箱",
              "validate": {"validationType": "email"}},
             {"type": "textfield", "id": "Field_zip", "key": "postcode", "label": "邮政编码",
              "validate": {"pattern": "^[0-9]{6}$"}},
         ]},
        {"type": "group", "id": "Field_address", "label": "送达地址", "path": "address",
         "components": [
             {"type": "select", "id": "Field_city", "key": "city", "label": "市",
              "values": [{"label": "深圳市", "value": "440300"}, {"label": "永州市", "value": "431100"}]},
             {"type": "textarea", "id": "Field_street", "key": "street", "label": "详细地址",
              "validate": {"maxLength": 200}},
         ]},
        {"type": "separator", "id": "Field_sep"},
        {"type": "number", "id": "Field_copies", "key": "copies", "label": "申请份数",
         "decimalDigits": 0, "validate": {"required": True, "min": 1, "max": 10}},
        {"type": "number", "id": "Field_fee", "key": "fee", "label": "收费金额（元）",
         "decimalDigits": 2, "increment": "0.5", "validate": {"min": 0}},
        {"type": "checkbox", "id": "Field_commit", "key": "commitment", "label": "本人承诺所填信息真实",
         "validate": {"required": True}},
        {"type": "checkbox", "id": "Field_deficient", "key": "accept_deficient", "label": "容缺受理"},
        {"type": "checklist", "id": "Field_materials", "key": "materials", "label": "已收材料",
         "values": [{"label": "申请书", "value": "application"},
                    {"label": "身份证明", "value": "identity"},
                    {"label": "场地证明", "value": "premises"}],
         "validate": {"required": True}},
        {"type": "taglist", "id": "Field_depts", "key": "departments", "label": "并联审查部门",
         "values": [{"label": "市场监管局", "value": "market"},
                    {"label": "消防救援支队", "value": "fire"},
                    {"label": "生态环境局", "value": "environment"}]},
        {"type": "datetime", "id": "Field_appt", "key": "appointment", "subtype": "date",
         "dateLabel": "预约取件日期"},
        {"type": "datetime", "id": "Field_window", "key": "window_time", "subtype": "time",
         "timeLabel": "窗口时间", "use24h": True, "timeSerializingFormat": "no_timezone"},
        {"type": "datetime", "id": "Field_received", "key": "received_at", "subtype": "datetime",
         "dateLabel": "收件日期", "timeLabel": "收件时间", "timeSerializingFormat": "utc_offset"},
        {"type": "dynamiclist", "id": "Field_members", "path": "members", "label": "家庭成员",
         "isRepeating": True, "defaultRepetitions": 1, "allowAddRemove": True,
         "components": [
             {"type": "textfield", "id": "Field_mname", "key": "name", "label": "姓名",
              "validate": {"required": True}},
             {"type": "textfield", "id": "Field_mid", "key": "id_number", "label": "身份证号码",
              "properties": {"format": "id_number"}},
         ]},
        {"type": "textfield", "id": "Field_clerk", "key": "clerk", "label": "经办人", "disabled": True},
        {"type": "textfield", "id": "Field_case", "key": "case_ref", "label": "办件编号", "readonly": True},
        {"type": "select", "id": "Field_dyn", "key": "unit", "label": "承办单位", "valuesKey": "units"},
        {"type": "spacer", "id": "Field_space", "height": 30},
        {"type": "iframe", "id": "Field_frame", "url": "https://example.org", "label": "说明"},
        {"type": "button", "id": "Field_submit", "key": "submit", "label": "提交", "action": "submit"},
    ],
}

GOOD = {
    "applicant_kind": "person",
    "applicant_name": "张三",
    "id_number": "11010519491231002x",
    "phone": "138 0013 8000",
    "email": "zhangsan@example.com.cn",
    "postcode": "518000",
    "address": {"city": "440300", "street": "福田区深南大道 1 号"},
    "copies": 2,
    "fee": "12.50",
    "commitment": True,
    "accept_deficient": False,
    "materials": ["application", "identity"],
    "departments": ["market", "fire"],
    "appointment": "2099-03-01",
    "window_time": "09:30",
    "received_at": "2024-05-06T10:15+08:00",
    "members": [{"name": "李四", "id_number": "11010519491231002X"}],
    "case_ref": "SZ2024000123",
    "unit": "任何单位",
}


@pytest.fixture
def form(tmp_path):
    # Read from a real file, as the engine does with forms/<key>.form.
    path = tmp_path / "accept_application.form"
    path.write_text(json.dumps(ACCEPT_FORM, ensure_ascii=False, indent=2), encoding="utf-8")
    return Form.load(path)


def errors_of(form, data):
    with pytest.raises(FormInvalid) as caught:
        form.validate(data)
    return caught.value.details


def with_(**changes):
    return {**GOOD, **changes}


def without(*keys):
    return {k: v for k, v in GOOD.items() if k not in keys}


# --- parsing -----------------------------------------------------------------


def test_key_comes_from_file_name(form):
    assert form.key == "accept_application"
    assert Form.parse(json.dumps(ACCEPT_FORM)).key == "Form_0x1y2z3"


def test_fields_in_order_with_labels_and_paths(form):
    assert form.fields[:3] == [("applicant_kind", "申请人类型", "radio"),
                               ("applicant_name", "申请人名称", "textfield"),
                               ("id_number", "身份证号码", "textfield")]
    keys = [f.key for f in form.fields]
    assert keys[7:10] == ["address", "address.city", "address.street"]
    assert ("appointment", "预约取件日期", "datetime") in form.fields
    assert keys[-5:] == ["members[].name", "members[].id_number", "clerk", "case_ref", "unit"]
    assert "submit" not in keys  # buttons carry no data


def test_unknown_types_are_kept_without_data(form):
    assert form.unknown_types == ["iframe"]
    assert form.schema["components"][-2]["type"] == "iframe"


def test_bytes_with_bom_parse():
    assert Form.parse(b"\xef\xbb\xbf" + json.dumps(ACCEPT_FORM).encode(), key_hint="a").key == "a"


@pytest.mark.parametrize("text", ["{", "[]", '{"components": {}}', '{"type": "default"}', b"\xff\xfe"])
def test_broken_definitions(text):
    with pytest.raises(DefinitionInvalid):
        Form.parse(text, key_hint="k")


def test_missing_key_and_id():
    with pytest.raises(DefinitionInvalid):
        Form.parse('{"components": []}')


def definition_problems(components):
    with pytest.raises(DefinitionInvalid) as caught:
        Form.parse(json.dumps({"type": "default", "components": components}), key_hint="k")
    return caught.value.details


def test_duplicate_keys_are_refused_even_through_plain_groups():
    problems = definition_problems([
        {"type": "textfield", "key": "name"},
        {"type": "group", "components": [{"type": "number", "key": "name"}]},
    ])
    assert "重复" in problems["components[1].components[0]"]


def test_group_path_may_not_collide_with_a_field():
    problems = definition_problems([
        {"type": "textfield", "key": "address"},
        {"type": "group", "path": "address", "components": [{"type": "textfield", "key": "city"}]},
    ])
    assert "重复" in problems["components[1]"]


@pytest.mark.parametrize("key", ["input", "sum", "round", "type", "id", "license", "len"])
def test_fields_may_be_named_like_helpers(key):
    form = Form.parse(json.dumps({"components": [{"type": "textfield", "key": key}]}), key_hint="k")
    assert form.validate({key: "x"}) == {key: "x"}


def test_same_key_in_different_objects_is_fine():
    form = Form.parse(json.dumps({"components": [
        {"type": "textfield", "key": "name"},
        {"type": "dynamiclist", "path": "members", "components": [{"type": "textfield", "key": "name"}]},
    ]}), key_hint="k")
    assert form.validate({"name": "a", "members": [{"name": "b"}]}) == {"name": "a", "members": [{"name": "b"}]}


@pytest.mark.parametrize("key", ["class", "lambda", "_secret", "1st", "a.b", "姓名", "", None, "x" * 65])
def test_unsafe_keys_are_refused(key):
    problems = definition_problems([{"type": "textfield", "key": key}])
    assert "不可用" in problems["components[0]"]


def test_every_definition_problem_is_reported():
    problems = definition_problems([
        {"type": "textfield", "key": "a", "validate": {"pattern": "(unclosed"}},
        {"type": "number", "key": "b", "validate": {"min": "zero"}},
        {"type": "datetime", "key": "c", "subtype": "week"},
        {"type": "radio", "key": "d", "values": "yes,no"},
        {"type": "textfield", "key": "e", "properties": {"format": "passport"}},
        {"type": "dynamiclist", "components": []},
        "not a component",
        {"type": "textfield", "key": "f", "validate": {"maxLength": 3}, "defaultValue": "too long"},
    ])
    assert len(problems) == 8


# --- validating data ---------------------------------------------------------


def test_good_data_is_cleaned(form):
    cleaned = form.validate(GOOD)
    assert cleaned["id_number"] == "11010519491231002X"        # normalized
    assert cleaned["fee"] == 12.5 and isinstance(cleaned["fee"], float)
    assert cleaned["copies"] == 2 and isinstance(cleaned["copies"], int)
    assert cleaned["address"] == {"city": "440300", "street": "福田区深南大道 1 号"}
    assert cleaned["members"] == [{"name": "李四", "id_number": "11010519491231002X"}]
    assert "credit_code" not in cleaned   # hidden by its condition, left out
    assert "clerk" not in cleaned         # disabled


def test_left_out_fields_get_empty_values(form):
    cleaned = form.validate(without("email", "postcode", "address", "fee", "accept_deficient",
                                    "departments", "appointment", "members", "unit"))
    assert cleaned["email"] == "" and cleaned["fee"] is None and cleaned["unit"] is None
    assert cleaned["accept_deficient"] is False and cleaned["departments"] == []
    assert cleaned["address"] == {"city": None, "street": ""} and cleaned["members"] == []


def test_every_failing_field_is_reported_at_once(form):
    details = errors_of(form, {"applicant_kind": "robot", "id_number": "11010519491231002", "copies": 0,
                               "commitment": False, "materials": [], "phone": "12345",
                               "address": {"city": "000000"}, "members": [{"id_number": "x"}],
                               "clerk": "me", "extra": 1, "_hidden": 2})
    # id_number is hidden (applicant_kind != "person"), so form-js neither checks nor sends it.
    assert details == {
        "applicant_kind": "不是可选的选项",
        "applicant_name": "此项为必填项",
        "phone": "电话号码格式不正确",
        "address.city": "不是可选的选项",
        "copies": "不能小于 1",
        "commitment": "请勾选此项",
        "materials": "此项为必填项",
        "members[0].name": "此项为必填项",
        "members[0].id_number": "身份证号码长度应为18位",
        "clerk": "此项不可填写",
        "extra": "表单中没有此字段",
        "_hidden": "字段名不能以下划线开头",
    }
    shown = errors_of(form, {"applicant_kind": "person", "id_number": "11010519491231002"})
    assert shown["id_number"] == "身份证号码长度应为18位"


@pytest.mark.parametrize("changes, key, message", [
    ({"applicant_name": "  "}, "applicant_name", "此项为必填项"),
    ({"applicant_name": "张"}, "applicant_name", "至少 2 个字符"),
    ({"applicant_name": "张" * 51}, "applicant_name", "最多 50 个字符"),
    ({"applicant_name": 42}, "applicant_name", "应为文本"),
    ({"id_number": "11010519491231002Y"}, "id_number", "身份证号码只能由数字和末位X组成"),
    ({"id_number": "110105194902300021"}, "id_number", "身份证号码中的出生日期不正确"),
    ({"id_number": "110105194912310021"}, "id_number", "身份证号码校验码不正确"),
    ({"email": "zhangsan@localhost"}, "email", "电子邮箱格式不正确"),
    ({"email": "zhang san@example.com"}, "email", "电子邮箱格式不正确"),
    ({"postcode": "51800"}, "postcode", "格式不正确"),
    ({"address": {"street": "路" * 201}}, "address.street", "最多 200 个字符"),
    ({"address": {"town": "x"}}, "address.town", "表单中没有此字段"),
    ({"address": "福田区"}, "address", "应为 JSON 对象"),
    ({"copies": 11}, "copies", "不能大于 10"),
    ({"copies": 1.5}, "copies", "应为整数"),
    ({"copies": True}, "copies", "应为数字"),
    ({"copies": "two"}, "copies", "应为数字"),
    ({"copies": None}, "copies", "此项为必填项"),
    ({"copies": 10 ** 16}, "copies", "数值超出可处理的范围"),
    ({"fee": -1}, "fee", "不能小于 0"),
    ({"fee": 1.255}, "fee", "最多 2 位小数"),
    ({"fee": 1.2}, "fee", "应为 0.5 的整数倍"),
    ({"fee": float("inf")}, "fee", "应为有限的数字"),
    ({"commitment": "yes"}, "commitment", "应为是或否（true/false）"),
    ({"commitment": 1}, "commitment", "应为是或否（true/false）"),
    ({"materials": "application"}, "materials", "应为列表"),
    ({"materials": ["application", "application"]}, "materials", "选项重复"),
    ({"materials": ["passport"]}, "materials", "“passport”不是可选的选项"),
    ({"departments": [["market"]]}, "departments", "“['market']”不是可选的选项"),
    ({"applicant_kind": None}, "applicant_kind", "此项为必填项"),
    ({"applicant_kind": ["person"]}, "applicant_kind", "不是可选的选项"),
    ({"appointment": "2099-02-30"}, "appointment", "日期格式不正确"),
    ({"appointment": "2099/03/01"}, "appointment", "日期格式不正确"),
    ({"appointment": 20990301}, "appointment", "日期应为文本"),
    ({"window_time": "24:00"}, "window_time", "时间格式不正确"),
    ({"window_time": "9:30"}, "window_time", "时间格式不正确"),
    ({"received_at": "2024-05-06 10:15"}, "received_at", "日期时间格式不正确"),
    ({"received_at": "2024-05-06T10:15+15:00"}, "received_at", "日期时间格式不正确"),
    ({"members": {"name": "李四"}}, "members", "应为列表"),
    ({"members": ["李四"]}, "members[0]", "应为 JSON 对象"),
    ({"members": [{"name": "李四", "age": 3}]}, "members[0].age", "表单中没有此字段"),
])
def test_each_rule_fails_alone(form, changes, key, message):
    assert errors_of(form, with_(**changes)) == {key: message}


@pytest.mark.parametrize("changes", [
    {"phone": "0755-83000000"}, {"phone": "+86 138 0013 8000"}, {"phone": "008613800138000"},
    {"email": ""}, {"postcode": ""}, {"fee": 0}, {"fee": 99.5}, {"fee": None}, {"copies": "10"},
    {"commitment": True}, {"materials": ["premises", "identity", "application"]},
    {"appointment": None}, {"window_time": "23:59"}, {"received_at": "2024-02-29T00:00Z"},
    {"received_at": "2024-05-06T10:15"}, {"applicant_kind": "org", "credit_code": "91310230MA1K314J7C"},
    {"members": [{"name": "王五"}, {"name": "赵六", "id_number": ""}]},
])
def test_each_rule_passes(form, changes):
    form.validate(with_(**changes))


def test_conditional_field_is_checked_when_shown_and_dropped_when_hidden(form):
    assert errors_of(form, with_(applicant_kind="org", credit_code="91310230MA1K314J7D")) == {
        "credit_code": "统一社会信用代码校验码不正确"}
    # Hidden (applicant_kind is "person"): form-js would not send it, so the server drops it unchecked.
    cleaned = form.validate(with_(credit_code="91310230MA1K314J7D"))
    assert "credit_code" not in cleaned


def test_disallow_passed_dates():
    form = Form.parse(json.dumps({"components": [
        {"type": "datetime", "key": "pickup", "subtype": "date", "disallowPassedDates": True}]}), key_hint="k")
    assert form.validate({"pickup": "2999-01-01"}) == {"pickup": "2999-01-01"}
    assert errors_of(form, {"pickup": "2000-01-01"}) == {"pickup": "不能早于今天"}


def test_serialize_to_string_keeps_text():
    form = Form.parse(json.dumps({"components": [
        {"type": "number", "key": "amount", "serializeToString": True}]}), key_hint="k")
    assert form.validate({"amount": "0.10"}) == {"amount": "0.10"}


def test_default_value_fills_a_left_out_field():
    form = Form.parse(json.dumps({"components": [
        {"type": "select", "key": "channel", "defaultValue": "window", "validate": {"required": True},
         "values": [{"label": "窗口", "value": "window"}, {"label": "邮寄", "value": "post"}]}]}),
        key_hint="k")
    assert form.validate({}) == {"channel": "window"}


def test_option_values_compare_by_type():
    form = Form.parse(json.dumps({"components": [
        {"type": "radio", "key": "level", "values": [{"label": "一级", "value": "1"}]}]}), key_hint="k")
    assert errors_of(form, {"level": 1}) == {"level": "不是可选的选项"}


def test_data_must_be_an_object(form):
    assert errors_of(form, ["a"]) == {ROOT: "应为 JSON 对象"}


def test_non_text_keys_are_reported(form):
    assert errors_of(form, with_(**{}) | {1: "x"}) == {"1": "表单中没有此字段"}


# --- fuzzing: any JSON gives cleaned data or FormInvalid, nothing else --------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
    | st.sampled_from(["person", "market", "2024-05-06", "09:30", "11010519491231002X", "440300"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)
field_keys = st.sampled_from([f.key.split(".")[0].split("[")[0] for f in Form.parse(
    json.dumps(ACCEPT_FORM), key_hint="k").fields] + ["_x", "extra"])


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(field_keys | st.text(max_size=8), json_values, max_size=12) | json_values)
def test_validate_raises_only_form_invalid(form, data):
    try:
        cleaned = form.validate(data)
    except FormInvalid as error:
        assert error.details and all(isinstance(k, str) and isinstance(v, str) for k, v in error.details.items())
    else:
        json.dumps(cleaned, allow_nan=False)


# --- free data ---------------------------------------------------------------


def test_free_data_accepts_plain_json():
    data = {"decision": "approve", "score": 3.5, "notes": None, "items": [{"a": [1, True]}]}
    assert validate_free_data(data) == data


@pytest.mark.parametrize("key, reason", [
    ("import", "保留字"), ("class", "保留字"), ("_x", "下划线"), ("1a", "英文字母"),
    ("a-b", "英文字母"), ("名称", "英文字母"), (3, "文本"),
])
def test_free_data_refuses_unsafe_keys(key, reason):
    with pytest.raises(FormInvalid) as caught:
        validate_free_data({key: 1, "fine": 2})
    assert list(caught.value.details) == [str(key)]
    assert reason in caught.value.details[str(key)]


@pytest.mark.parametrize("value", [float("nan"), {1: "a"}, {"a": (1, 2)}, {1, 2}, b"x", object()])
def test_free_data_refuses_non_json_values(value):
    with pytest.raises(FormInvalid) as caught:
        validate_free_data({"bad": value, "good": 1})
    assert list(caught.value.details) == ["bad"]


def test_free_data_limits():
    deep = 1
    for _ in range(MAX_DEPTH):
        deep = [deep]
    with pytest.raises(FormInvalid) as caught:
        validate_free_data({"deep": deep})
    assert "嵌套" in caught.value.details["deep"]
    with pytest.raises(FormInvalid) as caught:
        validate_free_data({"big": "字" * (MAX_DATA_BYTES // 3 + 1)})
    assert ROOT in caught.value.details
    with pytest.raises(FormInvalid):
        validate_free_data("not an object")


@given(st.dictionaries(st.text(max_size=8), json_values, max_size=8) | json_values)
def test_free_data_raises_only_form_invalid(data):
    try:
        json.dumps(validate_free_data(data), allow_nan=False)
    except FormInvalid:
        pass


@pytest.mark.parametrize("text", ["a\x00b", "\ud800"])
def test_unstorable_text_is_refused(form, text):
    assert list(errors_of(form, with_(applicant_name=text))) == ["applicant_name"]
    with pytest.raises(FormInvalid):
        validate_free_data({"note": text})
    with pytest.raises(FormInvalid):
        validate_free_data({"note": {text: 1}})


# --- fuzzing definitions: DefinitionInvalid or a form that validates sanely ----

component_types = st.sampled_from(["textfield", "textarea", "number", "checkbox", "checklist", "radio",
                                   "select", "taglist", "datetime", "text", "button", "iframe"])
loose_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6)
    | st.sampled_from(["a", "date", "time", "id_number", "^x", "email"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(
        ["value", "label", "required", "min", "max", "minLength", "pattern", "validationType", "format"]),
        inner, max_size=3),
    max_leaves=8,
)
components = st.recursive(
    st.fixed_dictionaries({"type": component_types}, optional={
        "key": st.sampled_from(["a", "b", "len"]), "values": loose_values, "validate": loose_values,
        "subtype": loose_values, "defaultValue": loose_values, "properties": loose_values,
        "decimalDigits": loose_values, "increment": loose_values, "disabled": loose_values}),
    lambda inner: st.fixed_dictionaries(
        {"type": st.sampled_from(["group", "dynamiclist"]), "components": st.lists(inner, max_size=3)},
        optional={"path": st.sampled_from(["p", "q", "", "1"])}),
    max_leaves=6,
)


@settings(max_examples=100)
@given(st.lists(components, max_size=4), st.dictionaries(st.sampled_from("abpq"), loose_values, max_size=4))
def test_any_definition_parses_or_is_refused(component_list, data):
    try:
        form = Form.parse(json.dumps({"components": component_list}), key_hint="k")
    except DefinitionInvalid as error:
        assert error.details
        return
    try:
        json.dumps(form.validate(data), allow_nan=False)
    except FormInvalid:
        pass


def test_fields_in_a_hideable_group_may_be_left_out():
    form = Form.parse(json.dumps({"components": [
        {"type": "checkbox", "key": "by_post"},
        {"type": "group", "conditional": {"hide": "=not(by_post)"}, "components": [
            {"type": "textfield", "key": "recipient", "validate": {"required": True}}]},
        {"type": "group", "path": "parcel", "conditional": {"hide": "=not(by_post)"}, "components": [
            {"type": "textfield", "key": "street", "validate": {"required": True}}]},
    ]}), key_hint="k")
    assert form.validate({}) == {"by_post": False}
    assert errors_of(form, {"by_post": True, "recipient": "", "parcel": {}}) == {
        "recipient": "此项为必填项", "parcel.street": "此项为必填项"}


def test_cleaned_lists_are_copies():
    form = Form.parse(json.dumps({"components": [
        {"type": "taglist", "key": "tags", "defaultValue": ["a"], "values": [{"label": "A", "value": "a"}]}]}),
        key_hint="k")
    form.validate({})["tags"].append("b")
    assert form.validate({}) == {"tags": ["a"]}
