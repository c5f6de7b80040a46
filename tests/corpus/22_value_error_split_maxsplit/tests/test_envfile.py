from envfile import parse_env, render


def test_parse():
    env = parse_env('# db\nDB_URL="postgres://u:p@h/db?sslmode=require"\nDEBUG=1\n\n')
    assert env == {"DB_URL": "postgres://u:p@h/db?sslmode=require", "DEBUG": "1"}


def test_render():
    assert render({"B": "2", "A": "1"}) == "A=1\nB=2\n"
