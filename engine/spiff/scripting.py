"""The sandbox every expression of a diagram runs in.

Scripts, pre/post scripts, gateway conditions, timer expressions, MI
conditions, DMN cells and message expressions all reach SpiffWorkflow's
script *environment*. :class:`SandboxEnvironment` replaces the default one
(plain ``eval``/``exec``) with:

* RestrictedPython compilation plus our own policy: no imports, no names or
  attributes starting with ``_``, no classes, ``with``, generators,
  ``finally`` or bare ``except`` (so a budget stop cannot be swallowed);
* a whitelist of builtins and guarded operators (``*``, ``**``, ``<<``, ``+``,
  ``%``, set operators, comparisons, growing ``str``/``bytes`` methods,
  ``range``, three-argument ``pow``) that refuse memory bombs before they
  allocate, and a per-evaluation size budget;
* a work budget for what runs in C without passing our code: every builtin
  or method that walks a container (``list(range(n))``, ``max``, ``sorted``,
  ``in``, ``==``, ``dict.fromkeys``, ``str.join`` …) charges its length
  first, and lazy iterators (``map``, ``zip`` …) charge per item; the clock
  is read at every charge and every tick, so one C call is the longest
  stretch between two checks and it is bounded by the work budget;
* values a script leaves behind must be JSON data (``check_data``), named in
  the error when they are not;
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
MAX_SIZE = 1_000_000         # characters / items created or returned per evaluation
MAX_WORK = 5_000_000         # items walked by C-level builtins per evaluation (a few 100 ms at most)
MAX_INT_BITS = 100_000       # about 30 000 decimal digits
MAX_POW_MOD_BITS = 2_048     # three-argument pow: base, exponent and modulus each
MAX_FORMAT_WIDTH = 10_000
MAX_JSON_INT = 2 ** 53       # a script may leave integers a browser reads exactly
MAX_JSON_DEPTH = 64          # nesting of lists and dicts a script may leave behind


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


class ScriptDataInvalid(Exception):
    """A script left a value in the case data that is not JSON data."""

    def __init__(self, variable, reason):
        super().__init__(f"脚本留下的变量 {variable} 不能保存：{reason}")
        self.variable, self.reason = variable, reason


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
    def __init__(self, max_steps, max_seconds, max_size, max_work):
        self.steps_left = max_steps
        self.deadline = time.monotonic() + max_seconds
        self.size_left = max_size
        self.work_left = max_work

    def check_time(self):
        if time.monotonic() > self.deadline:
            _too_big("执行时间超过上限")

    def tick(self):
        self.steps_left -= 1
        if self.steps_left < 0:
            _too_big("执行步数超过上限（可能是死循环）")
        self.check_time()

    def charge(self, size):
        self.size_left -= size
        if self.size_left < 0:
            _too_big("生成的数据量超过上限")
        self.check_time()

    def work(self, items):
        self.work_left -= items
        if self.work_left < 0:
            _too_big("处理的数据量超过上限")
        self.check_time()


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


def _work(items):
    budget = getattr(_current, "budget", None)
    if budget is not None:
        budget.work(items)


_VIEWS = (type({}.keys()), type({}.values()), type({}.items()))
_HASHED = (dict, set, frozenset, type({}.keys()), type({}.items()))   # `in` is a lookup, not a scan
_SIZED = (str, bytes, bytearray, list, tuple, dict, set, frozenset, range) + _VIEWS
_TEXT = (str, bytes, bytearray)


class _Counted:
    """An iterator charging one unit of work per item: what C code pulls from it is bounded."""
    __slots__ = ("_items",)

    def __init__(self, items):
        self._items = iter(items)

    def __iter__(self):
        return self

    def __next__(self):
        _work(1)
        return next(self._items)


def _walk(items):
    """``items`` ready for a C-level consumer: its length charged now, or counted per item."""
    if isinstance(items, _SIZED):
        _work(len(items))
        return items
    return items if isinstance(items, _Counted) else _Counted(items)


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
    """``a op b`` for the operators that can build huge values or walk big ones."""
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
            if isinstance(seq, (str, bytes, bytearray, list, tuple)) and times > 0:
                _charge(_weight(seq, MAX_SIZE // times + 1) * times)
        return a * b
    if op == "+":
        if isinstance(a, (str, bytes, bytearray, list, tuple)) and isinstance(b, (str, bytes, bytearray, list, tuple)):
            _charge(len(a) + len(b))
        return a + b
    if op == "%":
        if isinstance(a, _TEXT):
            _check_percent_format(a)
            _charge(len(a) + _check_size(b))
        return a % b
    if op in _SET_OPS:
        if isinstance(a, _SIZED) and isinstance(b, _SIZED):
            _work(len(a) + len(b))
        return _SET_OPS[op](a, b)
    raise ValueError(op)


_SET_OPS = {"-": lambda a, b: a - b, "&": lambda a, b: a & b, "|": lambda a, b: a | b, "^": lambda a, b: a ^ b}
_INPLACE = {"+=": "+", "*=": "*", "**=": "**", "<<=": "<<", "%=": "%",
            "-=": "-", "&=": "&", "|=": "|", "^=": "^"}
_PLAIN_INPLACE = {
    "/=": lambda a, b: a / b, "//=": lambda a, b: a // b, ">>=": lambda a, b: a >> b,
}


def _inplacevar(op, a, b):
    if op in _INPLACE:
        if op == "+=" and isinstance(a, list) and not isinstance(b, (str, list, tuple)):
            b = list(_walk(b))            # list += any iterable, like Python
        return _binop(_INPLACE[op], a, b)
    if op in _PLAIN_INPLACE:
        return _PLAIN_INPLACE[op](a, b)
    _refuse(f"不支持的运算 {op}")


_PERCENT_SPEC = re.compile(rb"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?")


def _check_percent_format(template):
    raw = template.encode("utf-8", "surrogatepass") if isinstance(template, str) else bytes(template)
    for width in _PERCENT_SPEC.findall(raw):
        for part in width:
            if part == b"*" or (part and int(part) > MAX_FORMAT_WIDTH):
                _too_big("格式化宽度过大")


def _in(item, items):
    """``item in items``: free for hashed lookups, the container's length otherwise."""
    if isinstance(items, _HASHED) or (isinstance(items, range) and type(item) is int):
        _work(1)
        return item in items
    return item in _walk(items)


def _compared(value):
    """An operand of ``==``, ``<`` …: comparing containers walks them."""
    if isinstance(value, _SIZED):
        _work(len(value))
    return value


def _width(self, width=0, *rest):
    return max(int(width), len(self))


def _replace_size(self, old="", new="", count=-1):
    if len(new) <= len(old):
        return len(self)
    hits = self.count(old) if count < 0 else min(count, self.count(old))
    return len(self) + hits * (len(new) - len(old))


# Methods whose result can be far larger than their arguments: name -> size of the result.
_GROWING = {
    "ljust": _width, "rjust": _width, "center": _width, "zfill": _width,
    "expandtabs": lambda s, tabsize=8: len(s) * max(int(tabsize), 1),
    "replace": _replace_size,
}
# Methods taking iterables, which C code walks to the end.
_ITERABLE_ARGS = {"extend", "update", "union", "intersection", "difference", "symmetric_difference",
                  "issubset", "issuperset", "isdisjoint", "intersection_update", "difference_update",
                  "symmetric_difference_update", "fromkeys"}
# Methods that do not walk their container; every other method of a container is charged its length.
_CONSTANT = {"append", "pop", "clear", "get", "setdefault", "popitem", "keys", "values", "items",
             "add", "discard"}
_CONTAINERS = (str, bytes, bytearray, list, tuple, dict, set, frozenset)

_DENIED_ATTRIBUTES = {
    "mro": "不允许访问类型层次",
    "format": "请使用 f-string 代替 str.format",
    "format_map": "请使用 f-string 代替 str.format_map",
    "translate": "不允许使用 str.translate",
    "to_bytes": "不允许使用 int.to_bytes",
}


def _charged_method(obj, name, method):
    """``obj.name`` for a built-in container: charged for the work and memory it will take."""
    def charged(*args, **kwargs):
        if name == "join":
            items = list(_walk(args[0])) if args else []
            _charge(sum(len(x) + len(obj) for x in items if isinstance(x, _TEXT)))
            return method(items, *args[1:], **kwargs)
        if name in _GROWING:
            _charge(_GROWING[name](obj, *args, **kwargs))
        elif name == "sort":
            _work(len(obj) * max(1, len(obj).bit_length()))
        elif not isinstance(obj, type) and (name not in _CONSTANT or isinstance(obj, _TEXT)) \
                and not (name == "remove" and isinstance(obj, (set, dict))):
            _work(len(obj))
        if name in _ITERABLE_ARGS:   # fromkeys(keys, value): only the keys are walked
            args = [_walk(a) if i == 0 or name != "fromkeys" else a for i, a in enumerate(args)]
            if name == "extend" and isinstance(args[0], _SIZED):
                _charge(len(args[0]))
        return method(*args, **kwargs)
    return charged


def _getattr(obj, name, *default):
    if not isinstance(name, str) or name.startswith("_") or name in INSPECT_ATTRIBUTES:
        _refuse(f"不允许访问属性 {name!r}")
    if name in _DENIED_ATTRIBUTES:
        _refuse(_DENIED_ATTRIBUTES[name])
    if isinstance(obj, type) and issubclass(obj, _CONTAINERS):
        base = next(t for t in _CONTAINERS if issubclass(obj, t))
        method = getattr(base, name, *default)
        if name == "fromkeys":
            return _charged_method(base, name, method)
        if callable(method):     # str.upper(s): the same as s.upper()
            def unbound(self, *args, **kwargs):
                if not isinstance(self, base):
                    raise TypeError(f"{base.__name__}.{name} 需要 {base.__name__} 类型的参数")
                return _getattr(self, name)(*args, **kwargs)
            return unbound
        return method
    if isinstance(obj, _CONTAINERS):
        method = getattr(obj, name, *default)
        return _charged_method(obj, name, method) if callable(method) else method
    return getattr(obj, name, *default)


def _getiter(obj):
    return iter(obj)


def _getitem(obj, key):
    if isinstance(key, slice) and isinstance(obj, _SIZED):
        _work(len(range(*key.indices(len(obj)))))
    return obj[key]


class _ListWriter:
    """Target of ``lst[i] = v`` / ``del lst[i]``: slice assignment may not grow a list unboundedly."""

    def __init__(self, target):
        self.target = target

    def __setitem__(self, key, value):
        if isinstance(key, slice):
            value = list(_walk(value))
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
    if isinstance(value, (str, bytes, list, tuple, dict, set, frozenset)):
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
    return sum(_walk(items), start)


def _safe_sorted(items, *, key=None, reverse=False):
    items = list(_walk(items))
    _work(len(items) * max(1, len(items).bit_length()))
    return sorted(items, key=key, reverse=reverse)


def _walking_first(func):
    """A builtin that walks its one iterable argument (``max(xs)``; ``max(a, b)`` walks nothing)."""
    @functools.wraps(func)
    def walking(*args, **kwargs):
        if len(args) == 1:
            args = (_walk(args[0]),)
        return func(*args, **kwargs)
    return walking


def _lazy(func):
    """``map``, ``zip`` …: the iterator they return charges per item."""
    @functools.wraps(func)
    def counted(*args, **kwargs):
        return _Counted(func(*args, **kwargs))
    return counted


class _SameInstances(type):
    # Values made by the sandbox's `str`, `list` … are plain ones, so isinstance must accept any.
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


def _walking_type(base):
    """``list``, ``set`` …: building one from an iterable charges its length first."""
    def __new__(cls, *args, **kwargs):
        return base(*(_walk(a) for a in args), **kwargs)
    return _SameInstances(f"safe_{base.__name__}", (base,), {"__new__": __new__})


def _safe_int(value=0, *args):
    if isinstance(value, _TEXT) and len(value) > 5_000:   # int('9' * n) is quadratic in n
        _too_big("整数文本过长")
    return int(value, *args)


def _safe_repr(value):
    _fmt(value)
    return repr(value)


def _safe_pow(base, exp, mod=None):
    if mod is None:
        return _binop("**", base, exp)
    if any(isinstance(n, int) and abs(n).bit_length() > MAX_POW_MOD_BITS for n in (base, exp, mod)):
        _too_big(f"pow 的参数超过 {MAX_POW_MOD_BITS} 位")
    return pow(base, exp, mod)


EXCEPTION_NAMES = (
    "Exception", "ValueError", "TypeError", "KeyError", "IndexError", "LookupError",
    "ZeroDivisionError", "ArithmeticError", "AttributeError", "NameError", "OverflowError",
)

SAFE_BUILTINS = {
    "None": None, "True": True, "False": False,
    "abs": abs, "bool": bool, "chr": chr, "divmod": divmod, "float": float, "isinstance": isinstance,
    "len": len, "ord": ord, "round": round, "int": _safe_int,
    "all": _walking_first(all), "any": _walking_first(any), "max": _walking_first(max),
    "min": _walking_first(min), "sorted": _safe_sorted, "sum": _safe_sum,
    "enumerate": _lazy(enumerate), "filter": _lazy(filter), "map": _lazy(map), "reversed": _lazy(reversed),
    "zip": _lazy(zip),
    "dict": _walking_type(dict), "frozenset": _walking_type(frozenset), "list": _walking_type(list),
    "set": _walking_type(set), "tuple": _walking_type(tuple),
    "range": _safe_range, "str": _SafeStr, "repr": _safe_repr, "pow": _safe_pow,
    "datetime": ClockDatetime, "date": ClockDate, "timedelta": timedelta, "timezone": timezone,
}
SAFE_BUILTINS.update({name: getattr(builtins, name) for name in EXCEPTION_NAMES})

GUARDS = {
    "_getattr_": _getattr, "_getitem_": _getitem, "_getiter_": _getiter, "_write_": _write,
    "_apply_": _apply, "_inplacevar_": _inplacevar, "_binop_": _binop, "_fmt_": _fmt, "_tick_": _tick,
    "_in_": _in, "_cmp_": _compared,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
}


# ---------------------------------------------------------------- compiling

_GUARDED_OPS = {ast.Mult: "*", ast.Pow: "**", ast.LShift: "<<", ast.Add: "+", ast.Mod: "%",
                ast.Sub: "-", ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^"}


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

    def visit_Compare(self, node):
        """``a in b`` becomes ``_in_(a, b)``; other comparisons charge their container operands."""
        node = self.node_contents_visit(node)
        if len(node.ops) == 1 and isinstance(node.ops[0], (ast.In, ast.NotIn)):
            call = ast.Call(func=ast.Name("_in_", ast.Load()), args=[node.left, node.comparators[0]], keywords=[])
            if isinstance(node.ops[0], ast.NotIn):
                call = ast.UnaryOp(op=ast.Not(), operand=call)
            return _located(call, node)

        def charged(value):
            return ast.Call(func=ast.Name("_cmp_", ast.Load()), args=[value], keywords=[])
        node.left = charged(node.left)
        node.comparators = [charged(c) for c in node.comparators]
        return _located(node, node)

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

    def __init__(self, functions=None, max_steps=MAX_STEPS, max_seconds=MAX_SECONDS, max_size=MAX_SIZE,
                 max_work=MAX_WORK):
        functions = dict(functions or {})
        bad = [name for name in functions if name.startswith("_") or name in GUARDS]
        if bad:
            raise ValueError(f"host function names must not start with '_': {bad}")
        helpers = types.SimpleNamespace(**{k: v for k, v in SAFE_BUILTINS.items() if callable(v)}, **functions)
        super().__init__({"__builtins__": SAFE_BUILTINS, **GUARDS, **functions, HELPERS: helpers})
        # Only what the sandbox itself needs is shielded from case data.
        self.reserved = frozenset(GUARDS) | {"__builtins__", HELPERS}
        self.limits = (max_steps, max_seconds, max_size, max_work)

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
        for name, value in updates.items():
            if value is not context.get(name, skip):   # only what this script set
                check_data(name, value)
        for name in seen - updates.keys():
            del context[name]                   # `del x` in the script
        context.update(updates)
        return True


def make_script_engine(functions=None, **limits):
    """A PythonScriptEngine running every diagram expression in the sandbox.

    ``functions`` are host helpers visible to scripts by name (e.g.
    ``{"add_workdays": add_workdays}``); ``limits`` may set ``max_steps``,
    ``max_seconds``, ``max_size``, ``max_work``. Not serialised: re-attach after loading.
    """
    return PythonScriptEngine(environment=SandboxEnvironment(functions, **limits))


SANDBOX_ERRORS = (SandboxViolation, ScriptBudgetExceeded, ScriptSyntaxError, ScriptDataInvalid)


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def data_problem(value):
    """Why ``value`` is not JSON data the case can store, or None.

    JSON data: None, bool, int within ±2**53, finite float, text without NUL
    or lone surrogates, lists/tuples and dicts with text keys, at most
    ``MAX_JSON_DEPTH`` deep.
    """
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return f"嵌套超过 {MAX_JSON_DEPTH} 层"
        if item is None or isinstance(item, bool):
            continue
        if isinstance(item, int):
            if abs(item) > MAX_JSON_INT:
                return f"整数超出 ±2^53 的范围"
        elif isinstance(item, float):
            if item != item or item in (float("inf"), float("-inf")):
                return "不是有限的数值"
        elif isinstance(item, str):
            if "\x00" in item or _LONE_SURROGATE.search(item):
                return "文本含有空字符或无效的 Unicode 代理字符"
        elif isinstance(item, (list, tuple)):
            stack.extend((x, depth + 1) for x in item)
        elif isinstance(item, dict):
            if not all(isinstance(k, str) for k in item):
                return "字典的键必须是文本"
            stack.extend((k, depth + 1) for k in item)
            stack.extend((v, depth + 1) for v in item.values())
        else:
            kind = {set: "集合", frozenset: "集合", bytes: "字节串", bytearray: "字节串"}.get(type(item))
            hint = "；日期请用 .isoformat() 存为文本" if hasattr(item, "isoformat") or isinstance(item, timedelta) else ""
            return f"{kind or type(item).__name__} 不是 JSON 数据（只能保存文本、数字、布尔、列表和字典）{hint}"
    return None


def check_data(name, value):
    problem = data_problem(value)
    if problem:
        raise ScriptDataInvalid(name, problem)


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
    if isinstance(cause, ScriptDataInvalid):
        details["variable"] = cause.variable
    if isinstance(exc, SpiffWorkflowException):
        task = getattr(exc, "task_spec", None) or getattr(getattr(exc, "task", None), "task_spec", None)
        if task is not None:
            details["task"] = getattr(task, "bpmn_id", None) or task.name
            details["task_name"] = getattr(task, "bpmn_name", None)
        if getattr(exc, "line_number", None):
            details["line"] = exc.line_number
            details["line_text"] = exc.error_line
        details["notes"] = list(getattr(exc, "notes", []) or getattr(exc, "__notes__", []))
    message = str(cause) if isinstance(cause, SANDBOX_ERRORS) else f"流程脚本执行失败：{plain_reason(cause)}"
    return ScriptError(message, details=details)


def plain_reason(cause):
    """What a Python error in a drawn condition or script means, in the clerk's words (the English
    original stays in the error's details for the analyst)."""
    name = getattr(cause, "name", None) if isinstance(cause, NameError) else None
    if name:
        return (f"条件或脚本引用了办件中没有的数据「{name}」（流程图可能写错了变量名）；"
                "办件保持原状，请联系流程管理员修正流程，再把办件迁移到修正后的版本")
    what = _ERROR_WORDS.get(type(cause).__name__, "运行出错")
    return f"条件或脚本{what}；办件保持原状，请联系流程管理员"


_ERROR_WORDS = {
    "NameError": "引用了不存在的数据", "TypeError": "数据类型不符", "KeyError": "缺少所需的数据项",
    "IndexError": "列表下标越界", "ZeroDivisionError": "除数为零", "ValueError": "数据取值不合法",
    "AttributeError": "使用了不存在的属性", "OverflowError": "数值过大",
}
