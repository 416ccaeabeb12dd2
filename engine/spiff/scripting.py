"""The sandbox every expression of a diagram runs in.

Scripts, pre/post scripts, gateway conditions, timer expressions, MI
conditions, DMN cells and message expressions all reach SpiffWorkflow's
script *environment*. :class:`SandboxEnvironment` replaces the default one
(plain ``eval``/``exec``) with:

* RestrictedPython compilation plus our own policy: no imports, no names or
  attributes starting with ``_``, no classes, ``with``, generators,
  ``finally`` or bare ``except`` (so a budget stop cannot be swallowed);
* a whitelist of builtins and guarded operators (``*``, ``**``, ``<<``, ``+``,
  ``%``, growing ``str`` methods, ``range``) that refuse memory bombs before
  they allocate, and a per-evaluation size budget;
* a step and time budget: the compiler puts a ``_tick_()`` call in every loop
  body, comprehension, function and lambda, so no signal or ``sys.settrace``
  is needed and it works in any thread. (``sys.settrace`` was tried first: on
  Python 3.11 a one-line ``while True: pass`` emits no line events.)

The script engine is not serialised by Spiff: after every deserialisation the
engine must set ``workflow.script_engine = make_script_engine(...)`` again.
"""
import ast
import builtins
import copy
import functools
import re
import threading
import time
import types
from datetime import timedelta, timezone

from RestrictedPython import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Guards import guarded_iter_unpack_sequence, guarded_unpack_sequence
from RestrictedPython.transformer import INSPECT_ATTRIBUTES, RestrictingNodeTransformer, copy_locations
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.exceptions import SpiffWorkflowException

from engine.errors import ScriptError
from engine.clock import ClockDate, ClockDatetime

HELPERS = "tongban"  # builtins and host functions, whatever the case data calls its fields

# Spiff looks for frames of this file name to report the failing script line.
SCRIPT_FILENAME = "<string>"

MAX_STEPS = 100_000          # line events per evaluation
MAX_SECONDS = 2.0            # wall time per evaluation
MAX_SIZE = 10_000_000        # characters / items created or returned per evaluation
MAX_INT_BITS = 100_000       # about 30 000 decimal digits
MAX_FORMAT_WIDTH = 10_000


class SandboxViolation(Exception):
    """The script tried something the sandbox does not allow."""

    def __init__(self, reason):
        super().__init__(f"脚本含有不允许的操作：{reason}")
        self.reason = reason


class ScriptBudgetExceeded(Exception):
    """The script ran too long, too many steps, or built too much data."""

    def __init__(self, reason):
        super().__init__(f"脚本超出资源限制：{reason}")
        self.reason = reason


class ScriptSyntaxError(Exception):
    """The script is not valid Python (not a SyntaxError: Spiff's formatter needs a lineno)."""

    def __init__(self, reason):
        super().__init__(f"脚本语法错误：{reason}")
        self.reason = reason


class _Stop(BaseException):
    """Carries a sandbox error out of the script; scripts cannot catch BaseException."""

    def __init__(self, error):
        super().__init__(error)
        self.error = error


def _refuse(reason):
    raise _Stop(SandboxViolation(reason))


def _too_big(reason):
    raise _Stop(ScriptBudgetExceeded(reason))


# ---------------------------------------------------------------- budget

_current = threading.local()


class _Budget:
    def __init__(self, max_steps, max_seconds, max_size):
        self.steps_left = max_steps
        self.deadline = time.monotonic() + max_seconds
        self.size_left = max_size

    def tick(self):
        self.steps_left -= 1
        if self.steps_left < 0:
            _too_big("执行步数超过上限（可能是死循环）")
        if self.steps_left % 64 == 0 and time.monotonic() > self.deadline:
            _too_big("执行时间超过上限")

    def charge(self, size):
        self.size_left -= size
        if self.size_left < 0:
            _too_big("生成的数据量超过上限")


def _tick():
    """One loop iteration, comprehension item or call of sandboxed code."""
    budget = getattr(_current, "budget", None)
    if budget is not None:
        budget.tick()
    return True


def _charge(size):
    budget = getattr(_current, "budget", None)
    if budget is not None:
        budget.charge(size)


def _weight(value, limit):
    """Characters plus items reachable from ``value`` (shared parts counted each
    time, as JSON would); stops counting once past ``limit``."""
    total, stack = 0, [value]
    while stack and total <= limit:
        item = stack.pop()
        if isinstance(item, (str, bytes)):
            total += len(item) + 1
        elif isinstance(item, dict):
            total += len(item) + 1
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            total += len(item) + 1
            stack.extend(item)
        else:
            total += 1
    return total


def _check_size(value):
    limit = _current.budget.size_left if getattr(_current, "budget", None) else MAX_SIZE
    size = _weight(value, limit)
    if size > limit:
        _too_big("生成的数据量超过上限")
    return size


# ---------------------------------------------------------------- guards

def _binop(op, a, b):
    """``a op b`` for the operators that can build huge values from small ones."""
    ints = isinstance(a, int) and isinstance(b, int)
    if op == "**":
        if ints and b > 0 and abs(a) > 1 and a.bit_length() * b > MAX_INT_BITS:
            _too_big("乘方结果过大")
        return a ** b
    if op == "<<":
        if ints and a and b > 0 and a.bit_length() + b > MAX_INT_BITS:
            _too_big("移位结果过大")
        return a << b
    if op == "*":
        if ints:
            if a.bit_length() + b.bit_length() > MAX_INT_BITS:
                _too_big("乘积过大")
        elif isinstance(a, int) or isinstance(b, int):
            seq, times = (b, a) if isinstance(a, int) else (a, b)
            if isinstance(seq, (str, list, tuple)) and times > 0:
                _charge(_weight(seq, MAX_SIZE // times + 1) * times)
        return a * b
    if op == "+":
        if isinstance(a, (str, list, tuple)) and isinstance(b, (str, list, tuple)):
            _charge(len(a) + len(b))
        return a + b
    if op == "%":
        if isinstance(a, str):
            _check_percent_format(a)
            _charge(len(a) + _check_size(b))
        return a % b
    raise ValueError(op)


_INPLACE = {"+=": "+", "*=": "*", "**=": "**", "<<=": "<<", "%=": "%"}
_PLAIN_INPLACE = {
    "-=": lambda a, b: a - b, "/=": lambda a, b: a / b, "//=": lambda a, b: a // b,
    ">>=": lambda a, b: a >> b, "&=": lambda a, b: a & b, "|=": lambda a, b: a | b,
    "^=": lambda a, b: a ^ b,
}


def _inplacevar(op, a, b):
    if op in _INPLACE:
        if op == "+=" and isinstance(a, list) and not isinstance(b, (str, list, tuple)):
            b = list(_getiter(b))            # list += any iterable, like Python
        return _binop(_INPLACE[op], a, b)
    if op in _PLAIN_INPLACE:
        return _PLAIN_INPLACE[op](a, b)
    _refuse(f"不支持的运算 {op}")


def _check_percent_format(template):
    for width in re.findall(r"%[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?", template):
        for part in width:
            if part == "*" or (part and int(part) > MAX_FORMAT_WIDTH):
                _too_big("格式化宽度过大")


def _sized(limit_of):
    """Wrap a str/list method so that ``limit_of(self, *args)`` is charged first."""
    def wrap(method):
        @functools.wraps(method)
        def checked(self, *args, **kwargs):
            _charge(limit_of(self, *args, **kwargs))
            return method(self, *args, **kwargs)
        return checked
    return wrap


def _width(self, width=0, *rest):
    return max(int(width), len(self))


def _replace_size(self, old="", new="", count=-1):
    if len(new) <= len(old):
        return len(self)
    hits = self.count(old) if count < 0 else min(count, self.count(old))
    return len(self) + hits * (len(new) - len(old))


def _join_size(self, items):
    return sum(len(x) + len(self) for x in items if isinstance(x, str))


# Methods whose result can be far larger than their arguments: name -> (owner type, checked version).
_GROWING = {
    "ljust": (str, _sized(_width)(str.ljust)),
    "rjust": (str, _sized(_width)(str.rjust)),
    "center": (str, _sized(_width)(str.center)),
    "zfill": (str, _sized(_width)(str.zfill)),
    "expandtabs": (str, _sized(lambda s, tabsize=8: len(s) * max(int(tabsize), 1))(str.expandtabs)),
    "replace": (str, _sized(_replace_size)(str.replace)),
    "extend": (list, _sized(lambda s, items: len(items) if hasattr(items, "__len__") else 0)(list.extend)),
}

_DENIED_ATTRIBUTES = {
    "mro": "不允许访问类型层次",
    "format": "请使用 f-string 代替 str.format",
    "format_map": "请使用 f-string 代替 str.format_map",
    "translate": "不允许使用 str.translate",
    "to_bytes": "不允许使用 int.to_bytes",
}


def _getattr(obj, name, *default):
    if not isinstance(name, str) or name.startswith("_") or name in INSPECT_ATTRIBUTES:
        _refuse(f"不允许访问属性 {name!r}")
    if name in _DENIED_ATTRIBUTES:
        _refuse(_DENIED_ATTRIBUTES[name])
    if name == "join" and isinstance(obj, str):
        def join(items):
            items = list(_getiter(items))
            _charge(_join_size(obj, items))
            return obj.join(items)
        return join
    if name in _GROWING:
        kind, checked = _GROWING[name]
        if isinstance(obj, kind):
            return functools.partial(checked, obj)
        if isinstance(obj, type) and issubclass(obj, kind):
            return checked
    return getattr(obj, name, *default)


def _getiter(obj):
    return iter(obj)


def _getitem(obj, key):
    return obj[key]


class _ListWriter:
    """Target of ``lst[i] = v`` / ``del lst[i]``: slice assignment may not grow a list unboundedly."""

    def __init__(self, target):
        self.target = target

    def __setitem__(self, key, value):
        if isinstance(key, slice):
            value = list(_getiter(value))
            _charge(len(value))
        self.target[key] = value

    def __delitem__(self, key):
        del self.target[key]


def _write(obj):
    if type(obj) is dict:
        return obj
    if type(obj) is list:
        return _ListWriter(obj)
    _refuse(f"只能修改字典和列表，不能修改 {type(obj).__name__}")


def _apply(func, *args, **kwargs):
    return func(*args, **kwargs)


def _fmt(value):
    """Value of an f-string field: its text must stay within the size budget."""
    if isinstance(value, (str, list, tuple, dict, set, frozenset)):
        _charge(_check_size(value))
    return value


def _safe_range(*args):
    r = range(*args)
    if len(r) > MAX_SIZE:
        _too_big("range 范围过大")
    return r


def _safe_sum(items, start=0):
    if not isinstance(start, (int, float)):
        _refuse("sum 只能用于数字")
    return sum(items, start)


class _SameInstances(type):
    # Values made by the sandbox's `str` are plain str, so isinstance must accept any str.
    def __instancecheck__(cls, obj):
        return isinstance(obj, cls.__mro__[1])

    def __subclasscheck__(cls, sub):
        return issubclass(sub, cls.__mro__[1])


class _SafeStr(str, metaclass=_SameInstances):
    """The sandbox's ``str``: ``str(value)`` of a huge structure is refused."""

    def __new__(cls, value="", *args):
        if not args:
            _fmt(value)
        return str(value, *args)


def _safe_repr(value):
    _fmt(value)
    return repr(value)


def _safe_pow(base, exp, mod=None):
    return _binop("**", base, exp) if mod is None else pow(base, exp, mod)


EXCEPTION_NAMES = (
    "Exception", "ValueError", "TypeError", "KeyError", "IndexError", "LookupError",
    "ZeroDivisionError", "ArithmeticError", "AttributeError", "NameError", "OverflowError",
)

SAFE_BUILTINS = {
    "None": None, "True": True, "False": False,
    "abs": abs, "all": all, "any": any, "bool": bool, "chr": chr, "dict": dict,
    "divmod": divmod, "enumerate": enumerate, "filter": filter, "float": float,
    "frozenset": frozenset, "int": int, "isinstance": isinstance, "len": len, "list": list,
    "map": map, "max": max, "min": min, "ord": ord, "reversed": reversed, "round": round,
    "set": set, "sorted": sorted, "tuple": tuple, "zip": zip,
    "range": _safe_range, "sum": _safe_sum, "str": _SafeStr, "repr": _safe_repr, "pow": _safe_pow,
    "datetime": ClockDatetime, "date": ClockDate, "timedelta": timedelta, "timezone": timezone,
}
SAFE_BUILTINS.update({name: getattr(builtins, name) for name in EXCEPTION_NAMES})

GUARDS = {
    "_getattr_": _getattr, "_getitem_": _getitem, "_getiter_": _getiter, "_write_": _write,
    "_apply_": _apply, "_inplacevar_": _inplacevar, "_binop_": _binop, "_fmt_": _fmt, "_tick_": _tick,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
}


# ---------------------------------------------------------------- compiling

_GUARDED_OPS = {ast.Mult: "*", ast.Pow: "**", ast.LShift: "<<", ast.Add: "+", ast.Mod: "%"}


def _tick_call(like):
    return _located(ast.Call(func=ast.Name("_tick_", ast.Load()), args=[], keywords=[]), like)


def _located(node, like):
    for child in ast.walk(node):
        if "lineno" in child._attributes:
            copy_locations(child, like)
    return node


class _Policy(RestrictingNodeTransformer):
    """RestrictedPython's policy, narrowed for diagram scripts."""

    def _deny(self, node, what):
        self.error(node, f"{what} are not allowed in diagram scripts")

    def visit_Import(self, node):
        self._deny(node, "imports")

    visit_ImportFrom = visit_Import

    def visit_Call(self, node):
        if isinstance(node.func, ast.Name) and node.func.id == "print":
            self._deny(node, "print calls (there is no console)")
        return super().visit_Call(node)

    def visit_ClassDef(self, node):
        self._deny(node, "class definitions")

    def visit_With(self, node):
        self._deny(node, "with statements")

    def visit_Yield(self, node):
        self._deny(node, "generators (yield)")

    visit_YieldFrom = visit_Yield

    def visit_Try(self, node):
        if node.finalbody:
            self._deny(node, "finally clauses")
        for handler in node.handlers:
            kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
            if not all(isinstance(k, ast.Name) and k.id in EXCEPTION_NAMES for k in kinds):
                self.error(handler, "except needs named exception classes: " + ", ".join(EXCEPTION_NAMES))
        return super().visit_Try(node)

    # Budget: every repetition of sandboxed code passes a _tick_() call.
    def visit_While(self, node):
        node = super().visit_While(node)
        node.body.insert(0, _located(ast.Expr(_tick_call(node)), node))
        return node

    def visit_For(self, node):
        node = super().visit_For(node)
        node.body.insert(0, _located(ast.Expr(_tick_call(node)), node))
        return node

    def visit_FunctionDef(self, node):
        node = super().visit_FunctionDef(node)
        node.body.insert(0, _located(ast.Expr(_tick_call(node)), node))
        return node

    def visit_Lambda(self, node):
        node = super().visit_Lambda(node)
        node.body = _located(ast.BoolOp(op=ast.And(), values=[_tick_call(node), node.body]), node.body)
        return node

    def visit_comprehension(self, node):
        node = super().visit_comprehension(node)
        node.ifs.append(_tick_call(node.iter))
        return node

    def visit_AugAssign(self, node):
        """``d[k] += v`` becomes ``d[k] = d[k] + v`` when ``d`` and ``k`` are plain
        names or constants (evaluating them twice is then harmless)."""
        target = node.target
        simple = (ast.Name, ast.Constant, ast.Attribute)
        if isinstance(target, ast.Subscript) and isinstance(target.value, simple) \
                and isinstance(target.slice, simple):
            load = copy.deepcopy(target)
            load.ctx = ast.Load()
            expanded = ast.Assign(targets=[target], value=ast.BinOp(left=load, op=node.op, right=node.value))
            return self.visit(_located(expanded, node))
        return super().visit_AugAssign(node)

    def visit_BinOp(self, node):
        node = self.node_contents_visit(node)
        op = _GUARDED_OPS.get(type(node.op))
        if op is None:
            return node
        call = ast.Call(func=ast.Name("_binop_", ast.Load()),
                        args=[ast.Constant(op), node.left, node.right], keywords=[])
        return _located(call, node)

    def visit_FormattedValue(self, node):
        node = self.node_contents_visit(node)
        spec = node.format_spec
        if spec is not None:
            parts = spec.values if isinstance(spec, ast.JoinedStr) else [spec]
            if not all(isinstance(p, ast.Constant) for p in parts):
                self.error(node, "f-string format specs must be constant")
            text = "".join(str(p.value) for p in parts if isinstance(p, ast.Constant))
            if any(int(n) > MAX_FORMAT_WIDTH for n in re.findall(r"\d+", text)):
                self.error(node, "f-string width or precision is too large")
        node.value = _located(ast.Call(func=ast.Name("_fmt_", ast.Load()),
                                       args=[node.value], keywords=[]), node.value)
        return node


@functools.lru_cache(maxsize=4096)
def compile_script(source, mode):
    """Compile diagram code in ``mode`` "eval" or "exec"; cached by (source, mode)."""
    if not isinstance(source, str):
        raise ScriptSyntaxError(f"脚本必须是文本，收到 {type(source).__name__}")
    try:
        ast.parse(source, SCRIPT_FILENAME, mode)
    except SyntaxError as err:
        raise ScriptSyntaxError(f"第 {err.lineno} 行：{err.msg}") from None
    except ValueError as err:       # e.g. NUL bytes in the source
        raise ScriptSyntaxError(str(err)) from None
    compile_ = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    result = compile_(source, SCRIPT_FILENAME, policy=_Policy)
    if result.errors:
        raise SandboxViolation("；".join(result.errors))
    return result.code


# ---------------------------------------------------------------- environment

class SandboxEnvironment(TaskDataEnvironment):
    """A ``TaskDataEnvironment`` that evaluates through the sandbox.

    Case data wins over builtins and host functions of the same name (a field
    may be called ``input``, ``sum``, ``round``, ``type`` or ``id``, as other
    modelers' diagrams and DMN tables name them); every helper stays reachable
    as ``tongban.<name>`` (``tongban.len(items)``). Keys starting with ``_``
    are invisible.
    """

    def __init__(self, functions=None, max_steps=MAX_STEPS, max_seconds=MAX_SECONDS, max_size=MAX_SIZE):
        functions = dict(functions or {})
        bad = [name for name in functions if name.startswith("_") or name in GUARDS]
        if bad:
            raise ValueError(f"host function names must not start with '_': {bad}")
        helpers = types.SimpleNamespace(**{k: v for k, v in SAFE_BUILTINS.items() if callable(v)}, **functions)
        super().__init__({"__builtins__": SAFE_BUILTINS, **GUARDS, **functions, HELPERS: helpers})
        # Only what the sandbox itself needs is shielded from case data.
        self.reserved = frozenset(GUARDS) | {"__builtins__", HELPERS}
        self.limits = (max_steps, max_seconds, max_size)

    def _scope(self, context, external_context):
        scope = dict(self.globals)
        scope.update(external_context or {})
        scope.update((k, v) for k, v in context.items()
                     if isinstance(k, str) and not k.startswith("_") and k not in self.reserved)
        reserved, globals_ = self.reserved, self.globals

        def defined(name):
            """True if the case data (or this script) has a variable ``name``."""
            return isinstance(name, str) and not name.startswith("_") and name not in reserved \
                and name in scope and scope[name] is not globals_.get(name, scope)  # a helper is not data
        scope.setdefault("defined", defined)
        return scope

    def _run(self, code, scope, mode):
        outer_budget = getattr(_current, "budget", None)
        _current.budget = _Budget(*self.limits)
        try:
            if mode == "eval":
                result = eval(code, scope)
            else:
                exec(code, scope)
                result = True
        except _Stop as stop:
            raise stop.error.with_traceback(stop.__traceback__) from None
        finally:
            _current.budget = outer_budget
        return result

    def evaluate(self, expression, context, external_context=None):
        code = compile_script(expression, "eval")
        result = self._run(code, self._scope(context, external_context), "eval")
        if _weight(result, self.limits[2]) > self.limits[2]:
            raise ScriptBudgetExceeded("表达式结果过大")
        return result

    def execute(self, script, context, external_context=None):
        code = compile_script(script, "exec")
        skip = set(external_context or ())
        scope = self._scope(context, external_context)
        seen = {k for k in scope if k in context and k not in self.reserved and k not in skip}
        self._run(code, scope, "exec")
        # Top-level assignments land only if the whole script succeeded.
        updates = {k: v for k, v in scope.items()
                   if isinstance(k, str) and k not in self.reserved and k not in skip and not k.startswith("_")
                   and not callable(v)}
        if _weight(updates, self.limits[2]) > self.limits[2]:
            raise ScriptBudgetExceeded("脚本写入的数据过大")
        for name in seen - updates.keys():
            del context[name]                   # `del x` in the script
        context.update(updates)
        return True


def make_script_engine(functions=None, **limits):
    """A PythonScriptEngine running every diagram expression in the sandbox.

    ``functions`` are host helpers visible to scripts by name (e.g.
    ``{"add_workdays": add_workdays}``); ``limits`` may set ``max_steps``,
    ``max_seconds``, ``max_size``. Not serialised: re-attach after loading.
    """
    return PythonScriptEngine(environment=SandboxEnvironment(functions, **limits))


SANDBOX_ERRORS = (SandboxViolation, ScriptBudgetExceeded, ScriptSyntaxError)


def original_error(exc):
    """The error a script raised, under Spiff's wrapping (Spiff keeps it only as ``__context__``)."""
    seen = exc
    while isinstance(seen, SpiffWorkflowException):
        inner = seen.__cause__ or seen.__context__
        if inner is None:
            break
        seen = inner
    return seen


def to_script_error(exc):
    """Map what SpiffWorkflow raised for a diagram expression to ``ScriptError``.

    ``details`` names the task, the failing line and the original error in
    English, for the case's audit record.
    """
    cause = original_error(exc)
    details = {"error": type(cause).__name__, "detail": str(cause)}
    if isinstance(exc, SpiffWorkflowException):
        task = getattr(exc, "task_spec", None) or getattr(getattr(exc, "task", None), "task_spec", None)
        if task is not None:
            details["task"] = getattr(task, "bpmn_id", None) or task.name
            details["task_name"] = getattr(task, "bpmn_name", None)
        if getattr(exc, "line_number", None):
            details["line"] = exc.line_number
            details["line_text"] = exc.error_line
        details["notes"] = list(getattr(exc, "notes", []) or getattr(exc, "__notes__", []))
    message = str(cause) if isinstance(cause, SANDBOX_ERRORS) else f"流程脚本执行失败：{type(cause).__name__}"
    return ScriptError(message, details=details)
