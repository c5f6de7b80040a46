"""value_error, file_not_found_error and call-signature rules on real broken projects."""

from __future__ import annotations

from fixer_helpers import candidates, diagnosis, first_passing, make_project, patched


def test_split_maxsplit(tmp_path):
    project = make_project(tmp_path / "p", {
        "envfile.py": 'def parse(text):\n    out = {}\n    for line in text.splitlines():\n'
                      '        key, value = line.split("=")\n        out[key] = value\n    return out\n',
        "tests/test_env.py": "from envfile import parse\n\n\ndef test_p():\n"
                             "    assert parse('A=b=c') == {'A': 'b=c'}\n",
    })
    diag = diagnosis("value_error", "ValueError", "too many values to unpack (expected 2)",
                     "envfile.py", 4)
    found = candidates(diag, project)
    assert '        key, value = line.split("=", 1)\n' in patched(found[0], "envfile.py")
    assert first_passing(project, found, tmp_path / "try") == 0


def test_strip_before_parsing(tmp_path):
    project = make_project(tmp_path / "p", {
        "sheet.py": "from datetime import datetime\n\n\ndef day(text):\n"
                    '    return datetime.strptime(text, "%Y-%m-%d").date().day\n',
        "tests/test_sheet.py": "from sheet import day\n\n\ndef test_d():\n"
                               "    assert day('2024-01-05 \\n') == 5\n",
    })
    diag = diagnosis("value_error", "ValueError", "unconverted data remains:  \n", "sheet.py", 5)
    found = candidates(diag, project)
    assert 'datetime.strptime(text.strip(), "%Y-%m-%d")' in patched(found[0], "sheet.py")
    assert first_passing(project, found, tmp_path / "try") == 0


def test_int_first_guess_wrong_thousands(tmp_path):
    project = make_project(tmp_path / "p", {
        "qty.py": "def qty(text):\n    return int(text)\n",
        "tests/test_qty.py": "from qty import qty\n\n\ndef test_q():\n"
                             "    assert qty(' 1,200 ') == 1200\n",
    })
    diag = diagnosis("value_error", "ValueError",
                     "invalid literal for int() with base 10: ' 1,200 '", "qty.py", 2)
    found = candidates(diag, project)
    index = first_passing(project, found, tmp_path / "try")
    assert index > 0
    assert "int(text.strip().replace(',', ''))" in patched(found[index], "qty.py")


def test_file_next_to_module(tmp_path):
    project = make_project(tmp_path / "p", {
        "rates/__init__.py": "",
        "rates/rates.json": '{"EUR": 2}',
        "rates/convert.py": 'import json\n\n\ndef rate(cur):\n'
                            '    with open("rates.json", encoding="utf-8") as fh:\n'
                            '        return json.load(fh)[cur]\n',
        "tests/test_rates.py": "from rates.convert import rate\n\n\ndef test_r():\n"
                               "    assert rate('EUR') == 2\n",
    })
    diag = diagnosis("file_not_found_error", "FileNotFoundError",
                     "[Errno 2] No such file or directory: 'rates.json'", "rates/convert.py", 5,
                     name="rates.json")
    found = candidates(diag, project)
    text = patched(found[0], "rates/convert.py")
    assert text.startswith("import json\nfrom pathlib import Path\n")
    assert 'open(Path(__file__).parent / "rates.json", encoding="utf-8")' in text
    assert first_passing(project, found, tmp_path / "try") == 0


def test_unknown_keyword_renamed_to_parameter(tmp_path):
    project = make_project(tmp_path / "p", {
        "money.py": "def fmt(amount, currency='EUR', current=False):\n"
                    "    return f'{amount} {currency}'\n",
        "invoice.py": "from money import fmt\n\n\ndef line(a, c):\n    return fmt(a, curency=c)\n",
        "tests/test_invoice.py": "from invoice import line\n\n\ndef test_l():\n"
                                 "    assert line(3, 'USD') == '3 USD'\n",
    })
    diag = diagnosis("type_error", "TypeError",
                     "fmt() got an unexpected keyword argument 'curency'", "invoice.py", 5,
                     name="curency", details={"function": "fmt", "keyword": "curency"})
    found = candidates(diag, project)
    assert "    return fmt(a, currency=c)\n" in patched(found[0], "invoice.py")
    assert first_passing(project, found, tmp_path / "try") == 0
