"""Abstract transformations: extracted from one site, re-expressed at another (no model needed)."""

from __future__ import annotations

import json

import pytest

from selfheal_local.memory import transform
from selfheal_local.memory.shapes import transform_key
from selfheal_local.memory.signature import abstract_message, signature

from .helpers import diagnosis, patch_of


def _diag(text, needle, pattern, exc, name="", message="boom", file="m.py"):
    return diagnosis(file, text, needle, pattern=pattern, exc=exc, message=message, name=name)


CASES = [
    # (pattern, exc, name_a, before_a, after_a, needle_a, name_b, text_b, needle_b, expected_b)
    ("undefined_variable", "NameError", "totl",
     "def f(total):\n    return totl * 2\n", "def f(total):\n    return total * 2\n", "totl",
     "cnt", "def g(count, x):\n    y = x + 1\n    return cnt + y\n", "cnt",
     "def g(count, x):\n    y = x + 1\n    return count + y\n"),
    ("type_error", "TypeError", "",
     'def fm(name, age):\n    return "Name: " + name + ", Age: " + age\n',
     'def fm(name, age):\n    return "Name: " + name + ", Age: " + str(age)\n', "return",
     "", 'def lab(n):\n    msg = "Total: " + n\n    return msg\n', "msg =",
     'def lab(n):\n    msg = "Total: " + str(n)\n    return msg\n'),
    ("zero_division_error", "ZeroDivisionError", "",
     "def avg(xs, n):\n    s = sum(xs)\n    return s / n\n",
     "def avg(xs, n):\n    s = sum(xs)\n    if n == 0:\n        return 0\n    return s / n\n",
     "return s", "", "def ratio(a, b):\n    r = a / b\n    return r\n", "r = a",
     "def ratio(a, b):\n    if b == 0:\n        return 0\n    r = a / b\n    return r\n"),
    ("undefined_variable", "NameError", "json",
     '"""doc"""\nimport os\n\n\ndef d(x):\n    return json.dumps(x)\n',
     '"""doc"""\nimport os\nimport json\n\n\ndef d(x):\n    return json.dumps(x)\n', "json.",
     "math", "import sys\n\n\ndef e(x):\n    return math.sqrt(x)\n", "math.",
     "import sys\nimport math\n\n\ndef e(x):\n    return math.sqrt(x)\n"),
    ("index_error", "IndexError", "",
     "def last(xs, i):\n    while i < len(xs):\n        i += 1\n    return xs[i]\n",
     "def last(xs, i):\n    while i < len(xs) - 1:\n        i += 1\n    return xs[i]\n", "while",
     "", "def top(items, k):\n    while k < len(items):\n        k += 2\n    return items[k]\n",
     "while", "def top(items, k):\n    while k < len(items) - 1:\n        k += 2\n    return items[k]\n"),
    ("attribute_error", "AttributeError", "lenght",
     "def size(box):\n    return box.lenght\n", "def size(box):\n    return box.length\n",
     "lenght", "hieght", "def tall(p):\n    height = 0\n    return p.hieght > 3\n", "hieght",
     "def tall(p):\n    height = 0\n    return p.height > 3\n"),
    # a missing return after the loop that fills the result: anchored on the line before it
    # (the line after is blank or another function, which names nothing of it)
    ("assertion_error", "AssertionError", "",
     "def hist(vs):\n    counts = {}\n    for v in vs:\n        counts[v] = counts.get(v, 0) + 1\n"
     "\n\ndef other():\n    pass\n",
     "def hist(vs):\n    counts = {}\n    for v in vs:\n        counts[v] = counts.get(v, 0) + 1\n"
     "    return counts\n\n\ndef other():\n    pass\n", "counts = {}",
     "", "def tally(words):\n    seen = {}\n    for w in words:\n"
     "        seen[w] = seen.get(w, 0) + 1\n", "seen = {}",
     "def tally(words):\n    seen = {}\n    for w in words:\n"
     "        seen[w] = seen.get(w, 0) + 1\n    return seen\n"),
    # the right name is already on the line, out of the two tokens of default context: it is
    # a role (the context widens to it), not the text ``kept``
    ("assertion_error", "AssertionError", "",
     "def mean(values, drop):\n    kept = [v for v in values if v != drop]\n"
     "    return sum(kept) / len(values)\n",
     "def mean(values, drop):\n    kept = [v for v in values if v != drop]\n"
     "    return sum(kept) / len(kept)\n", "return",
     "", "def avg(xs, bad):\n    good = [x for x in xs if x != bad]\n"
     "    return sum(good) / len(xs)\n", "return",
     "def avg(xs, bad):\n    good = [x for x in xs if x != bad]\n"
     "    return sum(good) / len(good)\n"),
    # a builtin type's method is the same name in every project: text, not a near name
    ("assertion_error", "AssertionError", "",
     "def ext(path):\n    return path[path.find('.'):]\n",
     "def ext(path):\n    return path[path.rfind('.'):]\n", "return",
     "", "def suffix(name):\n    return name[name.find('.') + 1:]\n", "return",
     "def suffix(name):\n    return name[name.rfind('.') + 1:]\n"),
    # another attribute of the same object: whatever the object and its attributes are called
    ("assertion_error", "AssertionError", "",
     "class R:\n    def __init__(self, w, h):\n        self.w, self.h = w, h\n\n"
     "    def perimeter(self):\n        return 2 * (self.w + self.w)\n",
     "class R:\n    def __init__(self, w, h):\n        self.w, self.h = w, h\n\n"
     "    def perimeter(self):\n        return 2 * (self.w + self.h)\n", "return",
     "", "class Box:\n    def __init__(me, wide, tall):\n        me.wide, me.tall = wide, tall\n\n"
     "    def around(me):\n        return 2 * (me.wide + me.wide)\n", "return",
     "class Box:\n    def __init__(me, wide, tall):\n        me.wide, me.tall = wide, tall\n\n"
     "    def around(me):\n        return 2 * (me.wide + me.tall)\n"),
    # a forgotten keyword argument: the name the function binds and never reads, whatever it
    # is called at the new site
    ("assertion_error", "AssertionError", "",
     "def pad(t, width=6):\n    return t.rjust(width)\n\n\n"
     "def table(rows, width):\n    return [pad(r) for r in rows]\n",
     "def pad(t, width=6):\n    return t.rjust(width)\n\n\n"
     "def table(rows, width):\n    return [pad(r, width=width) for r in rows]\n", "return [",
     "", "def fill(s, span=4):\n    return s.ljust(span)\n\n\n"
     "def grid(cells, span):\n    out = [fill(c) for c in cells]\n    return out\n", "out =",
     "def fill(s, span=4):\n    return s.ljust(span)\n\n\n"
     "def grid(cells, span):\n    out = [fill(c, span=span) for c in cells]\n    return out\n"),
]


@pytest.mark.parametrize("case", CASES, ids=["rename", "str_wrap", "guard", "import", "bound",
                                             "attr_rename", "return_after_loop",
                                             "name_on_the_line", "builtin_method",
                                             "sibling_attribute", "unread_name"])
def test_a_fix_is_replayed_at_an_analogous_site(case):
    pattern, exc, name_a, before, after, needle_a, name_b, text_b, needle_b, expected = case
    diag_a = _diag(before, needle_a, pattern, exc, name_a)
    t = transform.extract(diag_a, patch_of(diag_a, before, after))
    assert t is not None
    json.dumps(t)  # readable JSON, nothing else
    results = transform.apply(t, _diag(text_b, needle_b, pattern, exc, name_b), text_b)
    assert expected in results


def test_the_key_ignores_the_site_and_the_names():
    a_before, a_after = "def f(p):\n    return p.x + totl\n", "def f(p):\n    return p.x + total\n"
    b_before, b_after = "def g():\n    y = cnt\n", "def g():\n    y = count\n"
    da = _diag(a_before, "totl", "undefined_variable", "NameError", "totl")
    db = _diag(b_before, "cnt", "undefined_variable", "NameError", "cnt")
    ka = transform_key(transform.extract(da, patch_of(da, a_before, a_after)))
    kb = transform_key(transform.extract(db, patch_of(db, b_before, b_after)))
    assert ka == kb


def test_a_transformation_of_another_pattern_is_never_applied():
    before, after = "def f(total):\n    return totl\n", "def f(total):\n    return total\n"
    d = _diag(before, "totl", "undefined_variable", "NameError", "totl")
    t = transform.extract(d, patch_of(d, before, after))
    other = _diag(before, "totl", "attribute_error", "AttributeError", "totl")
    assert transform.apply(t, other, before) == []


def test_an_unshaped_rewrite_has_no_transformation():
    before = "def f(a):\n    x = a\n    y = 2\n    return x\n"
    after = "def f(a):\n    return sorted(a)[0] if a else None\n"
    d = _diag(before, "x = a", "value_error", "ValueError")
    assert transform.extract(d, patch_of(d, before, after)) is None


def test_messages_abstract_names_and_numbers():
    assert abstract_message("name 'totl' is not defined") == abstract_message(
        "name 'cnt' is not defined")
    assert abstract_message("list index 3 out of range") == "list index <num> out of range"
    text = "def f(total):\n    return totl * 2\n"
    sig = signature(_diag(text, "totl", "undefined_variable", "NameError", "totl",
                          message="name 'totl' is not defined"), text)
    assert "totl" not in sig and "<name>" in sig and "NameError" in sig
