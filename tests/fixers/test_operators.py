"""Each repair operator on a real snippet: the right fix is among its mutants, and every
mutant still parses."""

from __future__ import annotations

import ast
import textwrap

import pytest

from selfheal_local.fixers.mutations import PRIOR, SourceText, mutations_of

# (kind, buggy module, the fixed line that kind must be able to produce)
CASES = [
    ("var", """
        def total_price(items, discount):
            subtotal = sum(items)
            rate = discount / 100
            return subtotal - subtotal * discount
        """, "return subtotal - subtotal * rate"),
    ("attr", """
        class Account:
            def __init__(self, opening):
                self.balance = opening
                self.limit = 100

            def can_spend(self, amount):
                return amount <= self.limit + self.limit
        """, "return amount <= self.balance + self.limit"),
    ("literal", """
        def percent(part, whole):
            if whole == 0:
                return 1
            return 100 * part / whole
        """, "return 0"),
    ("literal", """
        def label(n):
            return "item" if n == 1 else "items "
        """, "return \"item\" if n == 1 else \"item\""),
    ("literal", """
        def renamed(name, new=None):
            if new is 0:
                new = name
            return new
        """, "if new is None:"),
    ("literal", """
        def span(parts):
            return dict(days=parts["days"], hours=parts["Expected a number"],
                        minutes=parts["minutes"])
        """, 'hours=parts["hours"]'),
    ("literal", """
        def span(parts):
            return dict(days=parts["days"], hours=parts[None], minutes=parts["minutes"])
        """, 'hours=parts["hours"]'),
    ("literal", """
        def to_millis(seconds, extra):
            if extra:
                return seconds * 1000 + extra
            return seconds * -1
        """, "return seconds * 1000\n"),
    ("literal", """
        def parse_span(fields):
            unit = fields.get("unit", "seconds")
            label = fields.get("label", "span")
            scale = fields.get("scale", "linear")
            if "start" not in fields or fields["start"] is None:
                start = 0
            else:
                start = int(fields["label"])
            return start, unit, label, scale
        """, 'start = int(fields["start"])'),
    ("literal", """
        def snapshot(record):
            state = record.__dict__.copy()
            state.pop("secret", None)
            state["version"] = record.revision
            return state
        """, 'state["revision"] = record.revision'),
    ("arg_add", """
        class JsonReader:
            pass


        class JsonWriter:
            pass


        class CsvReader:
            pass


        class CsvWriter:
            pass


        def registry():
            return dict(json_reader=JsonReader, json_writer=JsonWriter, csv_reader=CsvReader)
        """, "csv_reader=CsvReader, csv_writer=CsvWriter)"),
    ("arg_add", """
        def frames(box, margin):
            inner = dict(left=box.left + margin, top=box.top + margin, width=box.width - margin)
            outer = dict(
                left=box.left,
                top=box.top,
            )
            return inner, outer
        """, "top=box.top,\n     width=box.width - margin)"),
    ("conjunct", """
        def eligible(age, member):
            return age >= 18 if member else False

        def can_vote(age, citizen, registered):
            if age >= 18 and citizen and registered:
                return True
            return False
        """, "if age >= 18 and citizen:"),
    ("conjunct", """
        def first_word(text):
            if text:
                return text.split()[0]
            return ""
        """, "if text is not None and text:"),
    ("not", """
        def is_blank(line):
            return line.strip() and True

        def visible(items, hidden):
            return [i for i in items if i and i not in hidden]
        """, "return not line.strip() and True"),
    ("identity", """
        def lookup(table, key):
            value = table.get(key)
            if value is not None:
                return "missing"
            return value
        """, "if value is None:"),
    ("membership", """
        def unseen(words, seen):
            out = []
            for w in words:
                if w in seen:
                    out.append(w)
            return out
        """, "if w not in seen:"),
    ("delete", """
        def running_max(values):
            best = None
            out = []
            for v in values:
                if best is None or v > best:
                    best = v
                best = None
                out.append(best)
            return out
        """, None),
    ("guard", """
        def mean_lengths(groups):
            total = 0
            for group in groups:
                total += len(group) / len(groups)
            return total
        """, "    if groups:\n            total += len(group) / len(groups)"),
    ("early_return", """
        def head(items):
            first = items[0]
            return first
        """, "if not items:\n        return None"),
    ("method", """
        def ext(name):
            return name[name.find("."):]
        """, 'return name[name.rfind("."):]'),
    ("method", """
        def tail(path):
            return path.lstrip("/")
        """, 'return path.rstrip("/")'),
    ("arg_remove", """
        def parse(text):
            return int(text, 2)
        """, "return int(text)"),
    ("arg_add", """
        def fmt(value, width=8):
            return str(value).rjust(width)

        def table(rows, width):
            return [fmt(r) for r in rows]
        """, "return [fmt(r, width=width) for r in rows]"),
    ("arg_add", """
        def memo(store, key=hash):
            return (store, key)

        def cache(store, typed):
            def decorator(func):
                key = repr if typed else hash
                return memo(key=key)
            return decorator
        """, "return memo(key=key, store=store)"),
    ("arg_add", """
        def lru(store, typed):
            def decorator(func):
                key = repr if typed else hash
                return memoize(store=store, lock=None)(func)
            return decorator
        """, "return memoize(store=store, lock=None, key=key)(func)"),
    ("arg_add", """
        class Prop(property):
            def __init__(self, fget=None, fset=None, doc=None):
                property.__init__(self, fset=fset, doc=doc)
        """, "property.__init__(self, fset=fset, doc=doc, fget=fget)"),
    ("swap_args", """
        def ratio(a, b):
            return divmod(b, a)
        """, "return divmod(a, b)"),
    ("slice", """
        def without_header(lines):
            return lines[1:-1]
        """, "return lines[1:]"),
    ("div", """
        def middle(xs):
            return xs[len(xs) / 2]
        """, "return xs[len(xs) // 2]"),
    ("augassign", """
        def count_words(lines):
            n = 0
            for line in lines:
                n = len(line.split())
            return n
        """, "n += len(line.split())"),
    ("augassign", """
        def reset_total(values):
            total = 0
            for v in values:
                total += v
            total += 0
            return total
        """, "total = 0"),
    ("wrap", """
        def digits(n):
            return n
        """, "return str(n)"),
    ("compare", """
        def is_adult(age):
            return age > 18
        """, "return age >= 18"),
    ("bound", """
        def last(xs):
            return xs[len(xs)]
        """, "return xs[len(xs) - 1]"),
    ("bound", """
        def unpack(spec):
            if len(spec) == 4:
                name, kind, default = spec
                return name, kind, default
            return spec[0], spec[1], None
        """, "if len(spec) == 3:"),
    ("bitwise", """
        def revoke(permissions, mask):
            return permissions | ~mask
        """, "return permissions & ~mask"),
    ("bitwise", """
        def pack(high, low, width):
            return (high >> width) | low
        """, "return (high << width) | low"),
    ("operands", """
        def elapsed(started, stopped):
            return started - stopped
        """, "return stopped - started"),
    ("operands", """
        def with_suffix(stem, suffix):
            return "." + suffix + stem
        """, 'return stem + ("." + suffix)'),
    ("builtin", """
        def all_positive(values):
            return any(v > 0 for v in values)
        """, "return all(v > 0 for v in values)"),
    ("builtin", """
        import math


        def pages(items, per_page):
            return math.floor(len(items) / per_page)
        """, "return math.ceil(len(items) / per_page)"),
    ("literal", """
        def by_name(names, reverse=True):
            return sorted(names, key=str.lower, reverse=reverse)
        """, "def by_name(names, reverse=False):"),
    ("raise", """
        def checked_age(age):
            if age < 0:
                ValueError(f"an age cannot be negative: {age}")
            return age
        """, '        raise ValueError(f"an age cannot be negative'),
    ("attr", """
        class Meter:
            def __init__(self):
                self.reading = 0

            def record(self, value):
                reading = value
                return value

            def latest(self):
                return self.reading
        """, "        self.reading = value\n"),
    ("copy", """
        def with_overrides(defaults, overrides):
            merged = defaults
            merged.update(overrides)
            return merged
        """, "merged = defaults.copy()"),
    ("indent", """
        def first_long_word(words, size):
            for word in words:
                if len(word) >= size:
                    return word
                return None
        """, "            return word\n    return None\n"),
    ("indent", """
        def count_matches(items, wanted):
            count = 0
            for item in items:
                matched = item == wanted
            count += matched
            return count
        """, "        matched = item == wanted\n        count += matched\n"),
    ("indent", """
        def totals(rows):
            sums = []
            for row in rows:
                total = 0
                for cell in row:
                    total += cell
            sums.append(total)
            return sums
        """, "            total += cell\n        sums.append(total)\n"),
    ("insert", """
        def reachable(graph, start):
            seen = set()
            stack = [start]
            while stack:
                node = stack.pop()
                if node in seen:
                    continue
                stack.extend(graph.get(node, ()))
            return seen
        """, "continue\n        seen.add(node)\n        stack.extend"),
    ("insert", """
        def dedupe(items):
            seen = set()
            out = []
            for item in items:
                if item not in seen:
                    out.append(item)
            return out
        """, "not in seen:\n            seen.add(item)\n            out.append(item)"),
    ("insert", """
        class Link:
            def __init__(self, value, rest=None):
                self.value = value
                self.rest = rest


        def total(link):
            result = 0
            while link:
                result += link.value
            return result
        """, "result += link.value\n        link = link.rest\n"),
    ("insert", """
        def first_negative(values):
            i = 0
            while i < len(values):
                if values[i] < 0:
                    return i
            return -1
        """, "return i\n        i += 1\n    return -1"),
]


def mutants(text: str) -> list[tuple[str, str]]:
    tree = ast.parse(text)
    src = SourceText(text)
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            out += [(m.kind, m.apply(text)) for m in mutations_of(src, node, tree)]
    return out


@pytest.mark.parametrize(("kind", "buggy", "fixed"), CASES,
                         ids=[f"{k}-{i}" for i, (k, _b, _f) in enumerate(CASES)])
def test_operator_produces_the_fix(kind, buggy, fixed):
    text = textwrap.dedent(buggy).lstrip("\n")
    made = mutants(text)
    assert kind in PRIOR
    for _kind, new in made:
        ast.parse(new)  # every mutant parses
    of_kind = [new for k, new in made if k == kind]
    assert of_kind, f"no {kind} mutant"
    if fixed is None:  # deletion: the spurious statement is gone
        assert any("best = None\n        out" not in new and new.count("best = None") == 1
                   for new in of_kind)
    else:
        assert any(fixed in new for new in of_kind), f"{kind} never produced {fixed!r}"


def test_every_kind_has_a_case():
    assert {k for k, _b, _f in CASES} >= set(PRIOR) - {"range", "minmax", "negate", "boolop",
                                                        "arith", "return", "handler"}


def test_replacements_stay_in_scope_and_kind():
    text = textwrap.dedent("""
        def f(count: int, name: str):
            size = len(name)
            label = "x"
            return count + 1
        """).lstrip("\n")
    names = {new.splitlines()[3].strip() for k, new in mutants(text) if k == "var"}
    assert "return size + 1" in names
    assert "return name + 1" not in names and "return label + 1" not in names


def test_docstrings_and_fstrings_are_not_literals():
    text = textwrap.dedent('''
        def greet(who):
            """Say hello."""
            return f"hello {who}!"
        ''').lstrip("\n")
    for kind, new in mutants(text):
        if kind == "literal":
            assert '"""Say hello."""' in new and 'f"hello {who}!"' in new


def test_a_forgotten_argument_of_a_function_imported_from_another_module_is_passed(tmp_path):
    """``from .cache import cached`` then ``cached(store, lock=lock)``: the search reads the
    imported function's signature and proposes passing the in-scope ``key=key``."""
    from selfheal_local.fixers.imports_graph import ImportGraph
    from selfheal_local.project import Project

    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "cache.py").write_text("def cached(store, key=hash, lock=None):\n"
                                  "    return (store, key, lock)\n")
    (pkg / "wrap.py").write_text("from .cache import cached\n\n\n"
                                 "def wrapper(store, typed, lock):\n"
                                 "    key = repr if typed else hash\n"
                                 "    print(key)\n"  # read: only the signature says to pass it
                                 "    return cached(store, lock=lock)\n")
    project = Project.open(tmp_path)
    graph = ImportGraph(project)
    tree = graph.tree("pkg/wrap.py")
    text = project.read("pkg/wrap.py")
    fn = next(n for n in tree.body if isinstance(n, ast.FunctionDef))
    alone = [m.apply(text) for m in mutations_of(SourceText(text), fn, tree)]
    made = [m.apply(text) for m in mutations_of(SourceText(text), fn, tree,
                                                graph.imported_functions("pkg/wrap.py"))
            if m.kind == "arg_add"]
    fixed = "return cached(store, lock=lock, key=key)"
    assert any(fixed in new for new in made) and not any(fixed in new for new in alone)


def test_a_name_bound_and_never_read_is_passed_first_where_neighbours_pass_by_name():
    """A dead store (or an unused parameter) beside a call that passes ``x=x``: the forgotten
    ``key=key`` outweighs every other kind; a stub's parameters and a call that passes nothing
    by name get no such guess."""
    from selfheal_local.fixers.operators import DEAD_NAME_WEIGHT

    text = textwrap.dedent("""
        def lru(store, typed):
            key = repr if typed else hash
            lock = make_lock(typed)
            return memoize(store, lock)
        """).lstrip("\n")
    fn = ast.parse(text).body[0]
    added = [m for m in mutations_of(SourceText(text), fn, ast.parse(text)) if m.kind == "arg_add"]
    assert added == []  # no neighbour passes by name: an unknown callee's parameters are unknown
    echoed = text.replace("memoize(store, lock)", "memoize(store=store, lock=lock)")
    tree = ast.parse(echoed)
    made = [m for m in mutations_of(SourceText(echoed), tree.body[0], tree) if m.kind == "arg_add"]
    assert [m.apply(echoed).splitlines()[3].strip() for m in made] == [
        "return memoize(store=store, lock=lock, key=key)"]
    best = max(PRIOR[m.kind] * m.weight for m in mutations_of(SourceText(echoed), tree.body[0], tree)
               if m.kind != "arg_add")
    assert PRIOR["arg_add"] * DEAD_NAME_WEIGHT > best
    stub = "def hook(event, context):\n    raise NotImplementedError(event=event)\n"
    tree = ast.parse(stub)
    assert not [m for m in mutations_of(SourceText(stub), tree.body[0], tree) if m.kind == "arg_add"]


def test_a_value_set_last_and_never_read_is_passed_where_neighbours_pass_by_name():
    """``label`` is read (``if not label``) but the value it is given last is not: the call
    after it that passes ``kind=kind`` forgot ``label=label``; a loop that reads what the
    round before stored is no such case."""
    from selfheal_local.fixers.operators import DEAD_NAME_WEIGHT

    text = textwrap.dedent("""
        def relabel(fields):
            out = []
            for field in fields:
                kind = field.kind
                label = field.label
                if not label:
                    label = field.name.title()
                out.append(field.replace(kind=kind))
            return out
        """).lstrip("\n")
    tree = ast.parse(text)
    made = [m for m in mutations_of(SourceText(text), tree.body[0], tree) if m.kind == "arg_add"]
    assert {m.apply(text).splitlines()[7].strip(): m.weight for m in made} == {
        "out.append(field.replace(kind=kind, label=label))": DEAD_NAME_WEIGHT}
    carried = textwrap.dedent("""
        def running(values):
            out = []
            total = 0
            for value in values:
                out.append(dict(value=value, total=total))
                total = total + value
            return out
        """).lstrip("\n")
    tree = ast.parse(carried)
    assert not [m for m in mutations_of(SourceText(carried), tree.body[0], tree)
                if m.kind == "arg_add" and "total=total" in m.description]


def test_a_variable_is_replaced_first_by_the_names_used_nearest_it():
    """Of many same-kind names in scope, only a few are tried per use: those used nearest the
    line (a local made on the line above beats the sixth parameter), a value computed and never
    read first of all, weighted up."""
    text = textwrap.dedent("""
        def pair(lefts, rights, left_key, right_key, fill, strict):
            seen = set()
            mark = right_key.add
            for item in rights:
                mark(right_key(item))
            return [x for x in lefts if left_key(x) in seen]
        """).lstrip("\n")
    fn = ast.parse(text).body[0]
    swaps = [m for m in mutations_of(SourceText(text), fn, ast.parse(text))
             if m.kind == "var" and m.line == 3]
    assert swaps[0].apply(text).splitlines()[2].strip() == "mark = seen.add"
    dropped = text.replace("left_key(x) in seen", "left_key(x)")
    fn = ast.parse(dropped).body[0]
    swaps = [m for m in mutations_of(SourceText(dropped), fn, ast.parse(dropped))
             if m.kind == "var" and m.line == 3]
    assert swaps[0].apply(dropped).splitlines()[2].strip() == "mark = seen.add"
    assert swaps[0].weight > 1 and all(m.weight == 1 for m in swaps[1:])


def test_an_attribute_is_replaced_first_by_the_attributes_used_nearest_it():
    """A class with many attributes: ``self.x`` is tried as those used nearest the line (the
    flag set a few lines above), not the first assigned in the class."""
    text = textwrap.dedent("""
        class Job:
            def __init__(self, name):
                self.name = name
                self.title = name.title()
                self.owner = None
                self.tags = []
                self.cached = None

            def ready(self, args):
                if self.cached is None:
                    self.cached = len(args)
                    self.partial = self.cached < 2
                return self.owner
        """).lstrip("\n")
    tree = ast.parse(text)
    fn = tree.body[0].body[1]
    swaps = [m for m in mutations_of(SourceText(text), fn, tree) if m.kind == "attr" and m.line == 13]
    assert {m.description for m in swaps[:2]} == {"replaced 'self.owner' with 'self.partial'",
                                                  "replaced 'self.owner' with 'self.cached'"}


def test_the_body_of_a_lambda_is_searched_with_its_function():
    """A lambda has no function of its own to target: a slip in its body (a sort key, a
    formatting table's entry) is mutated as part of the function or statement holding it."""
    text = textwrap.dedent("""
        def newest(rows):
            return sorted(rows, key=lambda row: row.age < 0)
        """).lstrip("\n")
    made = {new.splitlines()[1].strip() for kind, new in mutants(text) if kind == "compare"}
    assert "return sorted(rows, key=lambda row: row.age >= 0)" in made


def test_an_unused_definition_is_passed_only_where_the_keywords_spell_their_names():
    from selfheal_local.fixers.forgotten import keyword_style, unused_definitions

    module = ast.parse(textwrap.dedent("""
        __all__ = ["Exported"]

        class Exported:
            pass

        class Unused:
            pass

        def used():
            return dict(parser=parse_row, writer=write_row, reader=Unused.read)

        def make():
            return Codec(streamwriter=StreamWriter, streamreader=StreamReader, name="x")
        """))
    assert unused_definitions(module) == ["used", "make"]  # not the exported or the read one
    parser_call, codec_call = [n for n in ast.walk(module) if isinstance(n, ast.Call)
                               and isinstance(n.func, ast.Name) and n.func.id in ("dict", "Codec")]
    assert keyword_style(parser_call) is None  # keywords that do not spell their values
    assert keyword_style(codec_call)("IncrementalDecoder") == "incrementaldecoder"
