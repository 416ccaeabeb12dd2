"""Server-side validation of form data.

Forms are the JSON schemas the form-js editor (bpmn-io/form-js) writes, one
file ``forms/<key>.form`` each::

    {"type": "default", "id": "<key>", "schemaVersion": 16, "components": [...]}

``Form.parse`` reads one; ``form.validate(data)`` returns cleaned data or
raises FormInvalid listing every failing field at once (一次性告知).
Tasks without a form take any JSON object that ``validate_free_data`` accepts.

Submitted keys become script variables in the process (SpiffWorkflow puts task
data into script globals), so keys are whitelisted: a form accepts only its
own field keys, and no key may start with "_", be a Python keyword or shadow
a builtin such as ``len``.

Conditions are evaluated as form-js does (engine.spiff.feel, three-valued
like feelin): a field or container whose ``conditional.hide`` is true for the
submitted data (untouched fields at their default) is hidden — not validated,
and stripped from the data if sent, as form-js leaves it out; a shown field is
checked, required or not. A condition the server cannot evaluate is refused
when the form is deployed, so the browser and the server never disagree.
Options from ``valuesKey``/``valuesExpression`` are not checked against a list.
"""
import copy
import datetime
import decimal
import json
import keyword
import math
import re
from collections import namedtuple
from pathlib import Path

from engine.errors import DefinitionInvalid, FormInvalid
from engine.identity.numbers import CHINA_TZ, check_id_number, check_uscc
from engine.spiff import feel

# Where an error is about the data as a whole rather than one field.
ROOT = "$"

MAX_DEFINITION_BYTES = 1024 * 1024
MAX_DATA_BYTES = 256 * 1024
MAX_DEPTH = 20           # nesting of free data and of form containers
MAX_LIST_ITEMS = 1000    # rows of a dynamic list, tags of a taglist
TEXT_LIMITS = {"textfield": 1000, "textarea": 20000}  # when the form sets no maxLength
OTHER_TEXT_LIMIT = 1000
MAX_SAFE_NUMBER = 2 ** 53  # beyond it a browser's numbers lose precision

INPUT_TYPES = {"textfield", "textarea", "number", "checkbox", "checklist", "radio",
               "select", "taglist", "datetime"}
DISPLAY_TYPES = {"text", "html", "image", "spacer", "separator", "button"}
CONTAINER_TYPES = {"group", "dynamiclist"}
OPTION_TYPES = {"checklist", "radio", "select", "taglist"}
TEXT_TYPES = {"textfield", "textarea"}
DATETIME_SUBTYPES = {"date", "time", "datetime"}
FORMATS = {"id_number": check_id_number, "uscc": check_uscc}

IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")
# Case data wins over helper names in scripts (helpers stay reachable as tongban.<name>),
# so only words Python cannot use as a variable are refused.
RESERVED_NAMES = set(keyword.kwlist) | {"True", "False", "None"}
FORM_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")

EMAIL = re.compile(r'[^\s@<>()\[\]\\,;:".]+(\.[^\s@<>()\[\]\\,;:".]+)*@([A-Za-z0-9-]+\.)+[A-Za-z]{2,}')
PHONE = re.compile(r"1[3-9][0-9]{9}"          # mobile
                   r"|0[0-9]{9,11}"           # landline with area code
                   r"|(\+|00)[1-9][0-9]{6,14}")  # international (E.164)
NUMERIC_TEXT = re.compile(r"-?[0-9]{1,30}(\.[0-9]{1,30})?")
DATE = r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})"
TIME = (r"(?P<hour>[0-9]{2}):(?P<minute>[0-9]{2})(?::(?P<second>[0-9]{2}))?"
        r"(?:Z|[+-](?P<zone_hour>[0-9]{2}):(?P<zone_minute>[0-9]{2}))?")
# form-js writes 2024-05-06, 09:30 and 2024-05-06T09:30, the time followed by
# an offset, "Z" or nothing depending on timeSerializingFormat.
DATETIME_PATTERNS = {
    "date": re.compile(DATE),
    "time": re.compile(TIME),
    "datetime": re.compile(f"{DATE}T{TIME}"),
}

# What form-js submits for a field left untouched.
EMPTY_VALUES = {"textfield": "", "textarea": "", "number": None, "checkbox": False,
                "checklist": [], "taglist": [], "radio": None, "select": None,
                "datetime": None}

BAD_CHARACTERS = "含有无法保存的字符（空字符或不成对的代理项）"

Field = namedtuple("Field", "key label type")
_MISSING = object()
_UNUSABLE = object()   # a FEEL min/max that did not come out a number


def name_problem(name):
    """None if ``name`` may be a data key (and so a script variable), else why not."""
    if not isinstance(name, str):
        return "字段名应为文本"
    if name.startswith("_"):
        return "字段名不能以下划线开头"
    if not IDENTIFIER.fullmatch(name):
        return "字段名只能由英文字母、数字和下划线组成，以字母开头，不超过64个字符"
    if name in RESERVED_NAMES:
        return f"字段名“{name}”是 Python 关键字（保留字），请换一个名称"
    return None


# --- the form model ---------------------------------------------------------


class Input:
    """A component that carries one value."""

    def __init__(self, spec):
        self.spec = spec
        self.type = spec["type"]
        self.key = spec["key"]
        self.label = _label(spec)
        rules = spec.get("validate") if isinstance(spec.get("validate"), dict) else {}
        self.rules = rules
        self.required = rules.get("required") is True
        self.disabled = spec.get("disabled") is True
        self.hide = None  # the parsed conditional.hide, set by the reader
        self.options = None  # None: any value (options come from data)
        self.pattern = None
        self.format = None
        self.subtype = spec.get("subtype", "date")
        self.increment = None
        self.default = spec.get("defaultValue", _MISSING)
        self.feel_rules = {}  # min/max/minLength/maxLength written as FEEL ("=…"), parsed by the reader


class Container:
    """A group or dynamic list; ``path`` None means a transparent group."""

    def __init__(self, spec, path, children):
        self.type = spec["type"]
        self.path = path
        self.label = _label(spec) if path else None
        self.children = children
        self.hide = None


def _label(spec):
    for name in ("label", "dateLabel", "timeLabel"):
        if isinstance(spec.get(name), str) and spec[name].strip():
            return spec[name].strip()
    return spec.get("key") or spec.get("path") or spec["type"]


class Form:
    """A parsed form-js schema; see the module docstring."""

    def __init__(self, key, schema, nodes, unknown_types):
        self.key = key
        self.schema = schema
        self.nodes = nodes
        self.unknown_types = unknown_types
        self.fields = []
        _list_fields(nodes, "", self.fields)

    def __repr__(self):
        return f"<Form {self.key} with {len(self.fields)} fields>"

    # -- reading the definition --

    @classmethod
    def load(cls, path):
        """Parse ``forms/<key>.form``; the file name gives the key."""
        path = Path(path)
        return cls.parse(path.read_bytes(), key_hint=path.name.removesuffix(".form"))

    @classmethod
    def parse(cls, text, key_hint=None):
        """Parse a form-js schema; raise DefinitionInvalid listing every problem.

        The form key is ``key_hint`` (usually the file name) or else the
        schema's ``id``.
        """
        if isinstance(text, (bytes, bytearray)):
            if len(text) > MAX_DEFINITION_BYTES:
                raise DefinitionInvalid("表单定义文件过大")
            try:
                text = bytes(text).decode("utf-8-sig")
            except UnicodeDecodeError:
                raise DefinitionInvalid("表单定义文件应为 UTF-8 编码") from None
        if not isinstance(text, str):
            raise DefinitionInvalid("表单定义应为 JSON 文本")
        if len(text) > MAX_DEFINITION_BYTES:
            raise DefinitionInvalid("表单定义文件过大")
        try:
            schema = json.loads(text)
        except (ValueError, RecursionError) as error:
            raise DefinitionInvalid(f"表单定义不是合法的 JSON：{error}") from None
        if not isinstance(schema, dict):
            raise DefinitionInvalid("表单定义应为 JSON 对象")

        key = key_hint if key_hint is not None else schema.get("id")
        if not isinstance(key, str) or not FORM_KEY.fullmatch(key):
            raise DefinitionInvalid("表单缺少合法的标识（文件名或 id）", details={"id": repr(key)})
        if schema.get("type", "default") != "default":
            raise DefinitionInvalid("表单类型应为 default", details={"type": repr(schema.get("type"))})
        if not isinstance(schema.get("components"), list):
            raise DefinitionInvalid("表单定义缺少 components 列表")

        reader = _DefinitionReader()
        nodes = reader.read_scope(schema["components"], "components", set(), 0)
        if reader.problems:
            raise DefinitionInvalid(f"表单“{key}”定义有误", details=reader.problems)
        return cls(key, schema, nodes, sorted(reader.unknown_types))

    # -- checking data --

    def validate(self, data):
        """Return the cleaned data, or raise FormInvalid naming every bad field.

        Fields left out get their ``defaultValue`` or form-js's empty value
        (checkbox False, lists [], others "" or None) and are then checked
        like submitted ones. Disabled fields must not be submitted.
        """
        errors = {}
        if not isinstance(data, dict):
            raise FormInvalid("表单数据应为 JSON 对象", details={ROOT: "应为 JSON 对象"})
        # Conditions read the whole form's data as the browser holds it: untouched fields at their default.
        context = _with_defaults(self.nodes, data)
        cleaned = _validate_scope(self.nodes, data, "", errors, context)
        if not errors and _json_size(cleaned) > MAX_DATA_BYTES:
            errors[ROOT] = f"数据过大（上限 {MAX_DATA_BYTES // 1024} KiB）"
        if errors:
            raise FormInvalid(details=errors)
        return cleaned


def _list_fields(nodes, prefix, out):
    for node in nodes:
        if isinstance(node, Input):
            out.append(Field(prefix + node.key, node.label, node.type))
        elif node.path is None:
            _list_fields(node.children, prefix, out)
        else:
            out.append(Field(prefix + node.path, node.label, node.type))
            inner = prefix + node.path + ("[]." if node.type == "dynamiclist" else ".")
            _list_fields(node.children, inner, out)


class _DefinitionReader:
    """Turns components into Input/Container nodes, collecting problems."""

    def __init__(self):
        self.problems = {}
        self.unknown_types = set()

    def problem(self, where, message):
        self.problems.setdefault(where, message)

    def read_scope(self, components, where, taken, depth):
        """Read a list of components whose keys share one data object (``taken``)."""
        if depth > MAX_DEPTH:
            self.problem(where, "容器嵌套层次过深")
            return []
        nodes = []
        for index, spec in enumerate(components):
            here = f"{where}[{index}]"
            if not isinstance(spec, dict) or not isinstance(spec.get("type"), str):
                self.problem(here, "组件应为带 type 的 JSON 对象")
                continue
            kind = spec["type"]
            if kind in INPUT_TYPES:
                node = self.read_input(spec, here)
                if node:
                    self.claim(node.key, here, taken)
                    nodes.append(node)
            elif kind in CONTAINER_TYPES:
                node = self.read_container(spec, here, taken, depth)
                if node:
                    nodes.append(node)
            elif kind not in DISPLAY_TYPES:
                self.unknown_types.add(kind)  # kept in the schema, carries no data
        return nodes

    def claim(self, key, where, taken):
        if key in taken:
            self.problem(where, f"字段名“{key}”重复")
        taken.add(key)

    def read_condition(self, node, spec, where):
        conditional = spec.get("conditional")
        if conditional is None:
            return node
        hide = conditional.get("hide") if isinstance(conditional, dict) else conditional
        if hide in (None, ""):
            return node
        if not isinstance(hide, str) or not hide.strip().startswith("="):
            self.problem(where, "conditional.hide 应为以 = 开头的 FEEL 表达式")
            return node
        try:
            node.hide = feel.parse_condition(hide)
        except feel.FeelError as error:
            self.problem(where, f"显示条件 {hide!r} 服务器无法计算（{error}）；请用比较、and/or/not 和字段名书写")
        return node

    def read_container(self, spec, where, taken, depth):
        children = spec.get("components", [])
        if not isinstance(children, list):
            self.problem(where, "容器的 components 应为列表")
            return None
        path = spec.get("path") or None
        if spec["type"] == "dynamiclist" and path is None:
            self.problem(where, "动态列表缺少 path")
            return None
        if path is None:  # a plain group: its fields belong to the outer object
            return self.read_condition(
                Container(spec, None, self.read_scope(children, where + ".components", taken, depth + 1)), spec, where)
        reason = name_problem(path)
        if reason:
            self.problem(where, f"path“{path}”不可用：{reason}")
            return None
        self.claim(path, where, taken)
        return self.read_condition(
            Container(spec, path, self.read_scope(children, where + ".components", set(), depth + 1)), spec, where)

    def read_input(self, spec, where):
        key = spec.get("key")
        reason = name_problem(key)
        if reason:
            self.problem(where, f"字段名“{key}”不可用：{reason}")
            return None
        node = self.read_condition(Input(spec), spec, where)
        rules = spec.get("validate") or {}
        if not isinstance(rules, dict):
            self.problem(where, "validate 应为 JSON 对象")
            return None
        for name in ("min", "max", "minLength", "maxLength"):
            text = rules.get(name)
            if isinstance(text, str) and text.strip().startswith("="):   # form-js evaluates these as FEEL
                try:
                    node.feel_rules[name] = feel.parse_expression(text.strip()[1:])
                except feel.FeelError as error:
                    self.problem(where, f"validate.{name} 的表达式 {text!r} 服务器无法计算（{error}）")
        for name in ("min", "max"):
            if name in rules and rules[name] is not None and not _is_number(rules[name]) and name not in node.feel_rules:
                self.problem(where, f"validate.{name} 应为数字")
        for name in ("minLength", "maxLength"):
            value = rules.get(name)
            if name in node.feel_rules:
                continue
            if value is not None and not (isinstance(value, int) and not isinstance(value, bool) and value >= 0):
                self.problem(where, f"validate.{name} 应为非负整数")
        if rules.get("pattern"):
            try:
                node.pattern = re.compile(rules["pattern"])
            except (re.error, TypeError):
                self.problem(where, f"validate.pattern 不是可用的正则表达式：{rules['pattern']!r}")
        if rules.get("validationType") not in (None, "", "email", "phone"):
            self.problem(where, f"不支持的 validationType：{rules['validationType']!r}")
        if node.type in OPTION_TYPES:
            self.read_options(node, spec, where)
        if node.type == "datetime" and not (isinstance(node.subtype, str) and node.subtype in DATETIME_SUBTYPES):
            self.problem(where, f"不支持的日期时间类型：{node.subtype!r}")
        if node.type == "number":
            self.read_number(node, spec, where)
        properties = spec.get("properties")
        if isinstance(properties, dict) and properties.get("format"):
            node.format = properties["format"]
            if not (isinstance(node.format, str) and node.format in FORMATS):
                self.problem(where, f"不支持的 format：{node.format!r}")
            elif node.type not in TEXT_TYPES:
                self.problem(where, "format 只能用于文本字段")
        if self.problems.get(where) is None and node.type != "datetime":
            self.check_default(node, where)
        return node

    def check_default(self, node, where):
        # A default is what the applicant sees prefilled: it must pass itself.
        # (Dates are left alone: "not in the past" changes with the day.)
        if node.default is _MISSING or node.default in (None, "", [], False) or node.feel_rules:
            return   # (rules written as FEEL depend on the data)
        try:
            _validate_input(node, node.default)
        except _Bad as bad:
            self.problem(where, f"defaultValue 不符合本字段的规则：{bad}")

    def read_options(self, node, spec, where):
        if "values" not in spec and (spec.get("valuesKey") or spec.get("valuesExpression")):
            return  # options come from data at run time
        values = spec.get("values", [])
        if not isinstance(values, list) or not all(isinstance(v, dict) and "value" in v for v in values):
            self.problem(where, "values 应为 [{label, value}] 列表")
            return
        node.options = [v["value"] for v in values]

    def read_number(self, node, spec, where):
        digits = spec.get("decimalDigits")
        if digits is not None and not (isinstance(digits, int) and not isinstance(digits, bool) and digits >= 0):
            self.problem(where, "decimalDigits 应为非负整数")
        increment = spec.get("increment")
        if increment not in (None, ""):
            try:
                node.increment = decimal.Decimal(str(increment))
                if not node.increment.is_finite() or node.increment <= 0:
                    raise ValueError
            except (ValueError, decimal.InvalidOperation):
                self.problem(where, "increment 应为正数")


# --- checking data against the model ----------------------------------------


def _with_defaults(nodes, data):
    """``data`` with every field left out at what form-js would hold for it (its default or empty value)."""
    filled = dict(data)
    for node in nodes:
        if isinstance(node, Container) and node.path is None:
            filled.update({k: v for k, v in _with_defaults(node.children, data).items() if k not in data})
        elif isinstance(node, Container):
            inner = data.get(node.path)
            if node.type == "group":
                filled[node.path] = _with_defaults(node.children, inner if isinstance(inner, dict) else {})
        elif node.key not in filled:
            filled[node.key] = node.default if node.default is not _MISSING else EMPTY_VALUES[node.type]
    return filled


def _hidden(node, context, scope):
    if node.hide is None:
        return False
    # form-js's context: the form's data, with ``this`` the object the field belongs to.
    return feel.hides(node.hide, {**context, "this": scope})


def _validate_scope(nodes, data, prefix, errors, context):
    """Check one data object against the nodes sharing it; return its clean copy."""
    known = set()
    cleaned = {}
    _collect(nodes, data, prefix, errors, known, cleaned, context)
    for key in data:
        if key not in known:
            if isinstance(key, str) and key.startswith("_"):
                errors[prefix + key] = "字段名不能以下划线开头"
            else:
                errors[prefix + str(key)] = "表单中没有此字段"
    return cleaned


def _collect(nodes, data, prefix, errors, known, cleaned, context, hidden=False):
    for node in nodes:
        if isinstance(node, Container) and node.path is None:
            _collect(node.children, data, prefix, errors, known, cleaned, context,
                     hidden or _hidden(node, context, data))
            continue
        key = node.key if isinstance(node, Input) else node.path
        known.add(key)
        where = prefix + key
        value = data.get(key, _MISSING)
        if hidden or _hidden(node, context, data):
            continue  # hidden: form-js neither checks nor submits it, so a sent value is dropped
        if isinstance(node, Container):
            cleaned[key] = _validate_container(node, value, where, errors, context)
            continue
        if node.disabled:
            if value is not _MISSING:
                errors[where] = "此项不可填写"
            continue
        if value is _MISSING:
            value = node.default if node.default is not _MISSING else EMPTY_VALUES[node.type]
        if node.feel_rules:
            node = _with_feel_rules(node, {**context, "this": data})
        try:
            cleaned[key] = _validate_input(node, value)
        except _Bad as bad:
            errors[where] = str(bad)


def _with_feel_rules(node, context):
    """A copy of ``node`` with its FEEL rules evaluated as form-js does: a rule that comes out null is
    dropped; a min/max that comes out as something else fails any value (form-js: not a valid number)."""
    evaluated = copy.copy(node)
    evaluated.rules = dict(node.rules)
    for name, tree in node.feel_rules.items():
        result = feel.value(tree, context)
        if _is_number(result):
            evaluated.rules[name] = result
        elif result is not None and name in ("min", "max"):
            evaluated.rules[name] = _UNUSABLE
        else:
            evaluated.rules.pop(name, None)
    return evaluated


def _validate_container(node, value, where, errors, context):
    if node.type == "group":
        if value is _MISSING or value is None:
            value = {}
        if not isinstance(value, dict):
            errors[where] = "应为 JSON 对象"
            return None
        return _validate_scope(node.children, value, where + ".", errors, context)
    # dynamiclist: a list of objects, each checked against the children
    if value is _MISSING or value is None:
        value = []
    if not isinstance(value, list):
        errors[where] = "应为列表"
        return None
    if len(value) > MAX_LIST_ITEMS:
        errors[where] = f"最多 {MAX_LIST_ITEMS} 项"
        return None
    rows = []
    for index, item in enumerate(value):
        here = f"{where}[{index}]"
        if isinstance(item, dict):
            rows.append(_validate_scope(node.children, item, here + ".", errors, context))
        else:
            errors[here] = "应为 JSON 对象"
    return rows


class _Bad(Exception):
    """One field's failure; the message is for people."""


def _validate_input(node, value):
    check = {"textfield": _text, "textarea": _text, "number": _number,
             "checkbox": _checkbox, "radio": _choice, "select": _choice,
             "checklist": _choices, "taglist": _choices, "datetime": _datetime}[node.type]
    return check(node, value)


def _text(node, value):
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise _Bad("应为文本")
    if not _storable(value):
        raise _Bad(BAD_CHARACTERS)
    rules = node.rules
    if not value.strip():
        if node.required:
            raise _Bad("此项为必填项")
        return value
    length = len(value.strip())  # form-js measures the trimmed text
    limit = rules.get("maxLength")
    if limit is None:
        limit = TEXT_LIMITS.get(node.type, OTHER_TEXT_LIMIT)
    if length > limit or len(value) > max(limit, TEXT_LIMITS["textarea"]):
        raise _Bad(f"最多 {limit} 个字符")
    if rules.get("minLength") is not None and length < rules["minLength"]:
        raise _Bad(f"至少 {rules['minLength']} 个字符")
    if node.format:
        reason = FORMATS[node.format](value)
        if reason:
            raise _Bad(reason)
        value = value.strip().upper()
    if node.pattern and not node.pattern.search(value):
        raise _Bad("格式不正确")
    kind = rules.get("validationType")
    if kind == "email" and not EMAIL.fullmatch(value.strip()):
        raise _Bad("电子邮箱格式不正确")
    if kind == "phone" and not PHONE.fullmatch(re.sub(r"[\s-]", "", value)):
        raise _Bad("电话号码格式不正确")
    return value


def _number(node, value):
    as_text = node.spec.get("serializeToString") is True
    if value is None or value == "":
        if node.required:
            raise _Bad("此项为必填项")
        return None
    if isinstance(value, str):
        text = value.strip()
        if not NUMERIC_TEXT.fullmatch(text):
            raise _Bad("应为数字")
        number = decimal.Decimal(text)
    elif _is_number(value):
        if not math.isfinite(value):
            raise _Bad("应为有限的数字")
        number = decimal.Decimal(repr(value)) if isinstance(value, float) else decimal.Decimal(value)
    else:
        raise _Bad("应为数字")
    if abs(number) > MAX_SAFE_NUMBER:
        raise _Bad("数值超出可处理的范围")
    rules = node.rules
    for name in ("min", "max"):
        if rules.get(name) is _UNUSABLE:
            raise _Bad("校验规则无法计算（最小值或最大值不是数字）")
    if _is_number(rules.get("min")) and number < decimal.Decimal(repr(rules["min"])):
        raise _Bad(f"不能小于 {rules['min']}")
    if _is_number(rules.get("max")) and number > decimal.Decimal(repr(rules["max"])):
        raise _Bad(f"不能大于 {rules['max']}")
    digits = node.spec.get("decimalDigits")
    if isinstance(digits, int) and number.normalize().as_tuple().exponent < -digits:
        raise _Bad("应为整数" if digits == 0 else f"最多 {digits} 位小数")
    if node.increment is not None:
        try:
            off_step = number % node.increment != 0
        except decimal.DecimalException:
            off_step = True
        if off_step:
            raise _Bad(f"应为 {node.increment} 的整数倍")
    if as_text:
        return value.strip() if isinstance(value, str) else str(value)
    if isinstance(value, str):
        return float(number) if "." in value else int(number)
    return value


def _checkbox(node, value):
    if value is None:
        value = False
    if not isinstance(value, bool):
        raise _Bad("应为是或否（true/false）")
    if node.required and not value:
        raise _Bad("请勾选此项")
    return value


def _choice(node, value):
    if value is None or value == "":
        if node.required:
            raise _Bad("此项为必填项")
        return None
    if not _is_scalar(value) or not _allowed(node, value):
        raise _Bad("不是可选的选项")
    return value


def _choices(node, value):
    if value is None:
        value = []
    if not isinstance(value, list):
        raise _Bad("应为列表")
    if not value:
        if node.required:
            raise _Bad("此项为必填项")
        return []
    if len(value) > MAX_LIST_ITEMS:
        raise _Bad(f"最多选择 {MAX_LIST_ITEMS} 项")
    seen = []
    for item in value:
        if not _is_scalar(item) or not _allowed(node, item):
            raise _Bad(f"“{str(item)[:50]}”不是可选的选项")
        if isinstance(item, str) and len(item) > OTHER_TEXT_LIMIT:
            raise _Bad(f"每项最多 {OTHER_TEXT_LIMIT} 个字符")
        if any(_same(item, other) for other in seen):
            raise _Bad("选项重复")
        seen.append(item)
    return list(value)


def _datetime(node, value):
    if value is None or value == "":
        if node.required:
            raise _Bad("此项为必填项")
        return None
    wording = {"date": "日期", "time": "时间", "datetime": "日期时间"}[node.subtype]
    if not isinstance(value, str):
        raise _Bad(f"{wording}应为文本")
    match = DATETIME_PATTERNS[node.subtype].fullmatch(value)
    parts = match.groupdict() if match else {}
    day = _real_date(parts["date"]) if parts.get("date") else None
    if not match or (node.subtype != "time" and not day) or not _real_time(parts):
        raise _Bad(f"{wording}格式不正确")
    if day and node.spec.get("disallowPassedDates") is True:
        if day < datetime.datetime.now(CHINA_TZ).date():
            raise _Bad("不能早于今天")
    return value


def _real_date(text):
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None


def _real_time(parts):
    def number(name):
        return int(parts.get(name) or 0)
    return (number("hour") < 24 and number("minute") < 60 and number("second") < 60
            and number("zone_hour") <= 14 and number("zone_minute") < 60)


def _storable(text):
    # Lone surrogates cannot be encoded and PostgreSQL refuses NUL in JSON.
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_scalar(value):
    if isinstance(value, str):
        return _storable(value)
    return value is None or isinstance(value, (int, float, bool))


def _same(a, b):
    # 1 == True in Python; a form option "1" is not the number 1 either.
    return type(a) is type(b) and a == b


def _allowed(node, value):
    return node.options is None or any(_same(value, option) for option in node.options)


def _json_size(value):
    return len(json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass"))


# --- tasks without a form ---------------------------------------------------


def validate_free_data(data):
    """Check data for a task without a form; return a clean deep copy.

    A JSON object whose top-level keys are safe identifiers (they become
    script variables) and whose values are JSON (str, int, float, bool,
    None, list, dict with text keys), nested at most MAX_DEPTH deep and at
    most MAX_DATA_BYTES serialised. Raises FormInvalid naming each bad key.
    """
    if not isinstance(data, dict):
        raise FormInvalid("数据应为 JSON 对象", details={ROOT: "应为 JSON 对象"})
    errors = {}
    cleaned = {}
    for key, value in data.items():
        reason = name_problem(key)
        if reason:
            errors[str(key)] = reason
            continue
        try:
            cleaned[key] = _plain_json(value, 1)
        except _Bad as bad:
            errors[key] = str(bad)
    if not errors and _json_size(cleaned) > MAX_DATA_BYTES:
        errors[ROOT] = f"数据过大（上限 {MAX_DATA_BYTES // 1024} KiB）"
    if errors:
        raise FormInvalid(details=errors)
    return cleaned


def _plain_json(value, depth):
    if depth > MAX_DEPTH:
        raise _Bad(f"嵌套层次过深（上限 {MAX_DEPTH} 层）")
    if isinstance(value, str):
        if not _storable(value):
            raise _Bad(BAD_CHARACTERS)
        return value
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _Bad("含有非有限数字（NaN 或无穷大）")
        return value
    if isinstance(value, list):
        return [_plain_json(item, depth + 1) for item in value]
    if isinstance(value, dict):
        if not all(isinstance(key, str) and _storable(key) for key in value):
            raise _Bad("对象的键应为文本")
        return {key: _plain_json(item, depth + 1) for key, item in value.items()}
    raise _Bad(f"含有不支持的数据类型：{type(value).__name__}")
