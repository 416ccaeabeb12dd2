"""The FEEL that dmn-js writes in decision table cells: simple unary tests and literal outputs.

Input cells (unary tests)::

    -                       any value
    "本科","硕士"            one of these
    [18..35]  (1..5]  ]0..10[   ranges, closed or open at either end
    < 18   >= 60   != "A"   comparisons
    not("A", "B")           none of these
    date("2025-01-01")      dates; numbers, "strings", true, false, null, variable names

Output cells and endpoints: literals, variable names (``a.b`` reads a key of a
case-data object), ``+ - * /`` and parentheses.

The parser builds a small tree that :func:`matches` / :func:`value` interpret
directly over the case data: no code is generated or executed, so cells need
no sandbox. A cell that is not FEEL (``False``, ``2025 <= ? <= 2026``,
``x == 1``, ``'single quotes'``) makes :class:`FeelError`; the engine then
reads it as the Python cell it was before (engine.spiff.dmn).
"""
import ast
import datetime
import operator
import re

__all__ = ["FeelError", "parse_tests", "parse_expression", "matches", "value", "to_python"]


class FeelError(ValueError):
    pass


_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<num>\d+(?:\.\d+)?)
  | (?P<str>"(?:[^"\\]|\\.)*")
  | (?P<name>date\s+and\s+time|[A-Za-z\u4e00-\u9fff][\w\u4e00-\u9fff]*)
  | (?P<op>\.\.|<=|>=|!=|[<>=\[\]()\],+\-*/.])
""", re.X)
_PYTHON_WORDS = {"True", "False", "None", "and", "or", "in", "is", "if", "else", "lambda", "not"}
_COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
            "=": operator.eq, "!=": operator.ne}
_ARITH = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}


def _tokens(text):
    pos, out = 0, []
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise FeelError(f"无法识别的字符 {text[pos]!r}")
        pos = m.end()
        if m.lastgroup != "ws":
            out.append((m.lastgroup, m.group()))
    return out


class _Parser:
    def __init__(self, text):
        self.tokens, self.pos = _tokens(text), 0

    def peek(self):
        return self.tokens[self.pos] if self.pos < len(self.tokens) else (None, None)

    def take(self, *values):
        kind, v = self.peek()
        if kind in ("op", "name") and v in values:
            self.pos += 1
            return v
        return None

    def expect(self, value):
        if self.take(value) is None:
            raise FeelError(f"此处应为 {value!r}")

    def done(self):
        if self.pos != len(self.tokens):
            raise FeelError(f"多余的内容 {self.peek()[1]!r}")

    # unary tests ------------------------------------------------------------
    def tests(self):
        if self.take("not"):
            self.expect("(")
            inner = self.positive_list()
            self.expect(")")
            return ("not", inner)
        return ("any", self.positive_list())

    def positive_list(self):
        items = [self.positive()]
        while self.take(","):
            items.append(self.positive())
        return items

    def positive(self):
        op = self.take("<", "<=", ">", ">=", "=", "!=")
        if op:
            return ("cmp", op, self.expression())
        opening = self.take("[", "(", "]")
        if opening:
            low = self.expression()
            self.expect("..")
            high = self.expression()
            closing = self.take("]", ")", "[")
            if closing is None:
                raise FeelError("区间缺少右括号")
            return ("range", opening == "[", low, high, closing == "]")
        return ("cmp", "=", self.expression())

    # boolean expressions (Camunda 8 "=…" conditions) --------------------------
    def disjunction(self):
        items = [self.conjunction()]
        while self.take("or"):
            items.append(self.conjunction())
        return items[0] if len(items) == 1 else ("or", items)

    def conjunction(self):
        items = [self.comparison()]
        while self.take("and"):
            items.append(self.comparison())
        return items[0] if len(items) == 1 else ("and", items)

    def comparison(self):
        left = self.expression()
        op = self.take("=", "!=", "<", "<=", ">", ">=")
        return ("cmp", op, left, self.expression()) if op else left

    # expressions ------------------------------------------------------------
    def expression(self):
        node = self.term()
        while (op := self.take("+", "-")):
            node = ("arith", op, node, self.term())
        return node

    def term(self):
        node = self.factor()
        while (op := self.take("*", "/")):
            node = ("arith", op, node, self.factor())
        return node

    def factor(self):
        if self.take("-"):
            return ("arith", "-", ("lit", 0), self.factor())
        if self.take("("):
            node = self.expression()
            self.expect(")")
            return node
        kind, v = self.peek()
        self.pos += 1
        if kind == "num":
            return ("lit", float(v) if "." in v else int(v))
        if kind == "str":
            return ("lit", re.sub(r"\\(.)", r"\1", v[1:-1]))
        if kind == "name" and v == "count" and self.peek()[1] == "(":
            self.pos += 1  # count(list): the one built-in forms need, e.g. hiding a field when a list is empty
            inner = self.expression()
            self.expect(")")
            return ("count", inner)
        if kind == "name" and v == "not" and self.peek()[1] == "(":
            self.pos += 1
            inner = self.disjunction()
            self.expect(")")
            return ("not", inner)
        if kind == "name":
            if v in _PYTHON_WORDS:
                raise FeelError(f"{v} 是 Python 写法")
            if v in ("true", "false"):
                return ("lit", v == "true")
            if v == "null":
                return ("lit", None)
            if v == "date" or v.startswith("date") and "time" in v:
                self.expect("(")
                kind2, text = self.peek()
                self.pos += 1
                self.expect(")")
                if kind2 != "str":
                    raise FeelError("date() 需要一个字符串")
                try:
                    parsed = (datetime.date.fromisoformat(text[1:-1]) if v == "date"
                              else datetime.datetime.fromisoformat(text[1:-1]))
                except ValueError as exc:
                    raise FeelError(f"日期格式不正确：{text}") from exc
                return ("lit", parsed)
            path = [v]
            while self.take("."):
                kind3, key = self.peek()
                self.pos += 1
                if kind3 != "name":
                    raise FeelError("“.” 后应为名称")
                path.append(key)
            if self.peek()[1] == "(":
                raise FeelError("不支持函数调用")
            return ("var", path)
        raise FeelError(f"此处不应出现 {v!r}")


def parse_tests(text):
    """The tree of a unary-tests cell; ``None`` for ``-`` (any value)."""
    if text is None or text.strip() in ("", "-"):
        return None
    parser = _Parser(text)
    tree = parser.tests()
    parser.done()
    return tree


def parse_expression(text):
    parser = _Parser(text)
    tree = parser.expression()
    parser.done()
    return tree


def value(tree, data):
    kind = tree[0]
    if kind == "lit":
        return tree[1]
    if kind == "count":
        items = value(tree[1], data) if tree[1][0] in ("lit", "var", "arith", "count") else evaluate(tree[1], data)
        return len(items) if isinstance(items, list) else None  # feelin: count(non-list) is null
    if kind == "var":
        current = data
        for key in tree[1]:
            if not isinstance(current, dict) or key not in current:
                return None  # FEEL: an unknown name is null
            current = current[key]
        return current
    left, right = value(tree[2], data), value(tree[3], data)
    try:
        return _ARITH[tree[1]](left, right)
    except (TypeError, ZeroDivisionError, ArithmeticError):
        return None


def _comparable(input_value, endpoint):
    """Dates compare with ISO text from forms."""
    if isinstance(endpoint, datetime.date) and isinstance(input_value, str):
        try:
            cls = datetime.datetime if isinstance(endpoint, datetime.datetime) else datetime.date
            return cls.fromisoformat(input_value if cls is datetime.datetime else input_value[:10])
        except ValueError:
            return input_value
    return input_value


def _compare(op, a, b):
    a = _comparable(a, b)
    if isinstance(a, bool) != isinstance(b, bool) and op not in ("=", "!="):
        return False
    try:
        return bool(_COMPARE[op](a, b))
    except TypeError:
        return False  # FEEL: comparing different types is null, which does not match


def _positive(test, input_value, data):
    if test[0] == "cmp":
        return _compare(test[1], input_value, value(test[2], data))
    _, low_closed, low, high, high_closed = test
    low, high = value(low, data), value(high, data)
    return _compare(">=" if low_closed else ">", input_value, low) and \
        _compare("<=" if high_closed else "<", input_value, high)


def matches(tree, input_value, data):
    """Whether ``input_value`` passes the unary tests ``tree`` (``None`` passes all)."""
    if tree is None:
        return True
    kind, tests = tree
    hit = any(_positive(t, input_value, data) for t in tests)
    return not hit if kind == "not" else hit


# ---- "=…" conditions (Camunda 8 / Zeebe) as Python for the sandbox ------------

_PY_COMPARE = {"=": ast.Eq, "!=": ast.NotEq, "<": ast.Lt, "<=": ast.LtE, ">": ast.Gt, ">=": ast.GtE}
_PY_ARITH = {"+": ast.Add, "-": ast.Sub, "*": ast.Mult, "/": ast.Div}


def _py(tree):
    kind = tree[0]
    if kind == "lit":
        v = tree[1]
        if isinstance(v, datetime.date):
            kind_name = "datetime" if isinstance(v, datetime.datetime) else "date"
            func = ast.Attribute(value=ast.Attribute(value=ast.Name("tongban", ast.Load()), attr=kind_name,
                                                     ctx=ast.Load()), attr="fromisoformat", ctx=ast.Load())
            return ast.Call(func=func, args=[ast.Constant(v.isoformat())], keywords=[])
        return ast.Constant(v)
    if kind == "var":
        node = ast.Name(tree[1][0], ast.Load())
        for key in tree[1][1:]:
            node = ast.Subscript(value=node, slice=ast.Constant(key), ctx=ast.Load())
        return node
    if kind == "arith":
        return ast.BinOp(left=_py(tree[2]), op=_PY_ARITH[tree[1]](), right=_py(tree[3]))
    if kind == "cmp":
        return ast.Compare(left=_py(tree[2]), ops=[_PY_COMPARE[tree[1]]()], comparators=[_py(tree[3])])
    if kind in ("and", "or"):
        return ast.BoolOp(op=ast.And() if kind == "and" else ast.Or(), values=[_py(t) for t in tree[1]])
    if kind == "not":
        return ast.UnaryOp(op=ast.Not(), operand=_py(tree[1]))
    if kind == "count":
        return ast.Call(func=ast.Name("len", ast.Load()), args=[_py(tree[1])], keywords=[])
    raise FeelError(f"不支持的表达式 {kind}")


def to_python(text):
    """Python source for the sandbox from a FEEL expression (the text after Camunda 8's ``=``)."""
    parser = _Parser(text)
    tree = parser.disjunction()
    parser.done()
    return ast.unparse(ast.fix_missing_locations(ast.Expression(body=_py(tree))))


# ---- boolean expressions over form data (form-js ``conditional.hide``) ----------

def parse_condition(text):
    """The tree of a boolean FEEL expression (form-js writes ``=`` before it)."""
    text = text.strip()
    if text.startswith("="):
        text = text[1:]
    parser = _Parser(text)
    tree = parser.disjunction()
    parser.done()
    return tree


def _feel_type(v):
    if v is None:
        return "nil"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    return {str: "string", dict: "context", list: "list"}.get(type(v), type(v).__name__)


def feel_equals(a, b):
    """feelin's ``equals``: True, False or None (different types)."""
    if (a is None) != (b is None):
        return False
    if isinstance(a, list) and len(a) < 2:
        a = a[0] if a else None
    if isinstance(b, list) and len(b) < 2:
        b = b[0] if b else None
    kind = _feel_type(a)
    if kind != _feel_type(b):
        return None
    if kind == "nil":
        return True
    if kind == "list":
        return len(a) == len(b) and all(feel_equals(x, y) is True for x, y in zip(a, b))
    if kind == "context":
        return a.keys() == b.keys() and all(feel_equals(a[k], b[k]) is True for k in a)
    return a == b


def _truth(v):
    return v if isinstance(v, bool) else None


def evaluate(tree, data):
    """The value of a condition tree over ``data`` as feelin (form-js's FEEL) computes it:
    an unknown name is null; ``=`` is feelin's equality (null across types), ``!=`` its
    negation (true across types); ordering with null or across types is null;
    ``and``/``or``/``not`` are three-valued."""
    kind = tree[0]
    if kind == "cmp":
        a, b = evaluate(tree[2], data), evaluate(tree[3], data)
        op = tree[1]
        if op == "=":
            return feel_equals(a, b)
        if op == "!=":
            return not feel_equals(a, b)   # JavaScript's !null is true
        if a is None or b is None or _feel_type(a) != _feel_type(b) or _feel_type(a) not in ("number", "string"):
            return None
        return bool(_COMPARE[op](a, b))
    if kind == "and":
        values = [_truth(evaluate(t, data)) for t in tree[1]]
        if any(v is False for v in values):
            return False
        return True if all(v is True for v in values) else None
    if kind == "or":
        values = [_truth(evaluate(t, data)) for t in tree[1]]
        if any(v is True for v in values):
            return True
        return False if all(v is False for v in values) else None
    if kind == "not":
        inner = evaluate(tree[1], data)
        return None if not isinstance(inner, bool) else not inner
    return value(tree, data)


def hides(tree, data):
    """form-js's ``conditional.hide``: feelin's unary test against no input, true only when it holds.
    A boolean result is the answer; any other value is compared with the (null) input; a ``not(…)``
    around the whole negates that test."""
    if tree[0] == "not":
        # At the top, not(…) is the unary tests' negation: of the test, not of a value.
        return not _positive_test(tree[1], data)
    return _positive_test(tree, data)


def _positive_test(tree, data):
    result = evaluate(tree, data)
    if isinstance(result, bool):
        return result
    return feel_equals(None, result) is True
