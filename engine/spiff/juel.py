"""The JUEL subset that Camunda, Flowable and Activiti modelers write: ``${…}`` / ``#{…}``.

A small recursive-descent parser turns the expression into a Python ``ast``
expression; the engine compiles that through the sandbox like any other
diagram expression, so no new evaluation path exists. What is read:

* literals: numbers, 'strings' / "strings", true, false, null;
* variables and property access ``a.b``, ``a['b']``, ``a[0]`` (``a.b`` reads
  the key ``b`` of the case-data object ``a``);
* ``==`` ``eq``, ``!=`` ``ne``, ``<`` ``lt``, ``>`` ``gt``, ``<=`` ``le``, ``>=`` ``ge``;
* ``&&`` ``and``, ``||`` ``or``, ``!`` ``not``, ``empty``, ``? :``;
* ``+ - * / div % mod``, unary minus, parentheses.

Method calls (``execution.getVariable(…)``, beans) are Java and are refused.
"""
import ast
import re

__all__ = ["JuelError", "is_juel", "parse", "to_python"]


class JuelError(ValueError):
    """The text is not in the JUEL subset; the message is for the analyst (Chinese)."""


_WRAPPED = re.compile(r"\s*[$#]\{(.*)\}\s*", re.S)
_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<num>\d+\.\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|\d+(?:[eE][+-]?\d+)?)
  | (?P<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<name>[A-Za-z_\u4e00-\u9fff][\w\u4e00-\u9fff]*)
  | (?P<op>==|!=|<=|>=|&&|\|\||[<>!+\-*/%().\[\]?:,])
""", re.X)

KEYWORDS = {"and", "or", "not", "eq", "ne", "lt", "gt", "le", "ge", "empty", "div", "mod",
            "true", "false", "null", "instanceof"}
_COMPARE = {"==": ast.Eq, "eq": ast.Eq, "!=": ast.NotEq, "ne": ast.NotEq, "<": ast.Lt, "lt": ast.Lt,
            ">": ast.Gt, "gt": ast.Gt, "<=": ast.LtE, "le": ast.LtE, ">=": ast.GtE, "ge": ast.GtE}
_ARITH = {"+": ast.Add, "-": ast.Sub, "*": ast.Mult, "/": ast.Div, "div": ast.Div, "%": ast.Mod, "mod": ast.Mod}


def is_juel(text):
    """True if the whole text is one ``${…}`` or ``#{…}`` expression."""
    return isinstance(text, str) and _WRAPPED.fullmatch(text) is not None and _balanced(text)


def _balanced(text):
    # "${a} and ${b}" also matches the pattern; only a single expression counts.
    body = _WRAPPED.fullmatch(text).group(1)
    depth = 0
    for kind, value in _tokens(body, strict=False):
        if value == "{":
            depth += 1
        elif value == "}":
            depth -= 1
            if depth < 0:
                return False
    return True


def _tokens(body, strict=True):
    pos, out = 0, []
    while pos < len(body):
        m = _TOKEN.match(body, pos)
        if m is None:
            if not strict:
                out.append(("op", body[pos]))
                pos += 1
                continue
            raise JuelError(f"表达式第 {pos + 1} 个字符无法识别：{body[pos]!r}")
        pos = m.end()
        kind = m.lastgroup
        if kind != "ws":
            out.append((kind, m.group()))
    return out


class _Parser:
    def __init__(self, body):
        self.tokens = _tokens(body)
        self.pos = 0

    def peek(self, *values):
        if self.pos < len(self.tokens):
            kind, value = self.tokens[self.pos]
            if not values or value in values and (kind == "op" or value in KEYWORDS):
                return value
        return None

    def take(self, *values):
        value = self.peek(*values)
        if value is not None:
            self.pos += 1
        return value

    def expect(self, value):
        if self.take(value) is None:
            found = self.tokens[self.pos][1] if self.pos < len(self.tokens) else "表达式结尾"
            raise JuelError(f"此处应为 {value!r}，实际为 {found!r}")

    def parse(self):
        if not self.tokens:
            raise JuelError("表达式为空")
        node = self.ternary()
        if self.pos != len(self.tokens):
            raise JuelError(f"多余的内容：{self.tokens[self.pos][1]!r}")
        return node

    def ternary(self):
        test = self.or_()
        if self.take("?"):
            yes = self.ternary()
            self.expect(":")
            return ast.IfExp(test=test, body=yes, orelse=self.ternary())
        return test

    def or_(self):
        values = [self.and_()]
        while self.take("||", "or"):
            values.append(self.and_())
        return values[0] if len(values) == 1 else ast.BoolOp(op=ast.Or(), values=values)

    def and_(self):
        values = [self.equality()]
        while self.take("&&", "and"):
            values.append(self.equality())
        return values[0] if len(values) == 1 else ast.BoolOp(op=ast.And(), values=values)

    def equality(self):
        left = self.relational()
        while (op := self.take("==", "eq", "!=", "ne")):
            left = ast.Compare(left=left, ops=[_COMPARE[op]()], comparators=[self.relational()])
        return left

    def relational(self):
        left = self.additive()
        while (op := self.take("<", "lt", ">", "gt", "<=", "le", ">=", "ge")):
            left = ast.Compare(left=left, ops=[_COMPARE[op]()], comparators=[self.additive()])
        if self.peek("instanceof"):
            raise JuelError("不支持 instanceof（Java 类型）")
        return left

    def additive(self):
        left = self.multiplicative()
        while (op := self.take("+", "-")):
            left = ast.BinOp(left=left, op=_ARITH[op](), right=self.multiplicative())
        return left

    def multiplicative(self):
        left = self.unary()
        while (op := self.take("*", "/", "div", "%", "mod")):
            left = ast.BinOp(left=left, op=_ARITH[op](), right=self.unary())
        return left

    def unary(self):
        if self.take("!", "not"):
            return ast.UnaryOp(op=ast.Not(), operand=self.unary())
        if self.take("-"):
            return ast.UnaryOp(op=ast.USub(), operand=self.unary())
        if self.take("empty"):
            # null, "", empty list or map are empty; 0 and false are not (JUEL 1.4.9).
            empties = ast.Tuple(elts=[ast.Constant(None), ast.Constant(""), ast.List(elts=[], ctx=ast.Load()),
                                      ast.Dict(keys=[], values=[])], ctx=ast.Load())
            return ast.Compare(left=self.unary(), ops=[ast.In()], comparators=[empties])
        return self.postfix()

    def postfix(self):
        node = self.primary()
        while True:
            if self.take("."):
                kind, name = self._next()
                if kind != "name":
                    raise JuelError(f"“.” 后应为属性名，实际为 {name!r}")
                if self.peek("("):
                    raise JuelError(f"不支持方法调用 {name}(…)：Java 方法无法在通办中运行，请改用流程数据")
                node = ast.Subscript(value=node, slice=ast.Constant(name), ctx=ast.Load())
            elif self.take("["):
                index = self.ternary()
                self.expect("]")
                node = ast.Subscript(value=node, slice=index, ctx=ast.Load())
            elif self.peek("("):
                raise JuelError("不支持函数调用：Java 方法无法在通办中运行，请改用流程数据")
            else:
                return node

    def _next(self):
        if self.pos >= len(self.tokens):
            raise JuelError("表达式意外结束")
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def primary(self):
        if self.take("("):
            node = self.ternary()
            self.expect(")")
            return node
        kind, value = self._next()
        if kind == "num":
            return ast.Constant(float(value) if any(c in value for c in ".eE") else int(value))
        if kind == "str":
            return ast.Constant(_unescape(value[1:-1]))
        if kind == "name":
            if value in ("true", "false"):
                return ast.Constant(value == "true")
            if value == "null":
                return ast.Constant(None)
            if value in KEYWORDS:
                raise JuelError(f"关键字 {value!r} 不能出现在这里")
            if value.startswith("_"):
                raise JuelError(f"变量名不能以下划线开头：{value}")
            return ast.Name(id=value, ctx=ast.Load())
        raise JuelError(f"此处不应出现 {value!r}")


def _unescape(text):
    return re.sub(r"\\(.)", r"\1", text)


def parse(text):
    """The Python ``ast.Expression`` of a ``${…}`` / ``#{…}`` expression (or of a bare body)."""
    m = _WRAPPED.fullmatch(text)
    body = m.group(1) if m else text
    tree = ast.Expression(body=_Parser(body).parse())
    return ast.fix_missing_locations(tree)


def to_python(text):
    """Python source for the sandbox, generated from the parsed tree (never by rewriting the text)."""
    return ast.unparse(parse(text))
