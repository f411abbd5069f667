#!/usr/bin/python3
"""Differential cases for tend's Jinja2 engine (issue 5).

Each case is a template string, variables and what Ansible's templar (Python's
Jinja2 plus Ansible's filters, tests and lookups) returns for it: a value, or
an error. The cases are written to tests/jinja/cases.json, which
controller/template/template_test.cc runs through our engine.

  tests/jinja/gen_cases.py            regenerate cases.json
  tests/jinja/gen_cases.py --check    regenerate into memory and compare (CI);
                                      exits 77 (skipped) when Ansible is absent
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "cases.json")

V = {
    "name": "world", "n": 5, "f": 2.5, "neg": -3, "t": True, "fa": False, "none": None,
    "s": "Hello World", "csv": "a,b,c", "path": "/etc/nginx/nginx.conf", "empty": "",
    "items": [3, 1, 2], "words": ["banana", "Apple", "cherry"], "nested": [[1, 2], [3, [4, 5]]],
    "d": {"b": 2, "a": 1, "c": 3}, "users": [
        {"name": "alice", "uid": 1001, "groups": ["adm", "dev"], "active": True},
        {"name": "bob", "uid": 1002, "groups": ["dev"], "active": False},
        {"name": "carol", "uid": 1003, "groups": [], "active": True}],
    "cfg": {"db": {"host": "10.0.0.9", "port": 5432}, "tags": ["x", "y"]},
    "other": {"db": {"port": 6543, "user": "mlflow"}, "tags": ["z"]},
    "ip": "192.168.1.10/24", "ver": "1.2.10", "multi": "line one\nline two\n",
    "greeting": "{{ 'hi ' ~ name }}", "chain": "{{ greeting }}!", "num_tpl": "{{ n + 1 }}",
    "list_tpl": "{{ items }}", "dup": [1, 2, 2, 3, 1], "mixed": ["b", "A", "c"],
    "kv": [{"key": "x", "value": 1}, {"key": "y", "value": 2}], "unicode": "héllo wörld",
    "spaces": "  padded  ", "result_ok": {"changed": True, "failed": False, "rc": 0},
    "result_bad": {"changed": False, "failed": True, "rc": 2}, "skipped_r": {"skipped": True, "changed": False},
    "b64": "aGVsbG8=", "json_text": "{\"a\": [1, 2]}", "yaml_text": "a: 1\nb: [x, y]\n",
    "html": "<a href='x'>&</a>", "fl": [1.5, 2.25, 3], "bools": ["yes", "no", "on", "0", "true"],
}

CASES = []


def case(template, vars=None):
    CASES.append({"template": template, "vars": V if vars is None else vars})


def build():
    # Literals and expressions.
    for e in ["1 + 2", "7 // 2", "-7 // 2", "7 % 3", "-7 % 3", "2 ** 10", "7 / 2", "1.5 * 2",
              "'a' ~ 1 ~ none", "'ab' * 3", "[1, 2] + [3]", "n > 3 and n < 10", "not t", "t or fa",
              "fa or 'x'", "none is none", "n == 5.0", "'x' in 'xyz'", "2 in items", "'a' in d",
              "'q' not in d", "1 < 2 < 3", "3 > 2 > 2", "(1, 2)", "[]", "{}", "{'a': 1}",
              "'yes' if t else 'no'", "'yes' if fa else 'no'", "n - neg", "-n", "+f", "f // 1",
              "10 / 4", "0.1 + 0.2", "1e3", "1_000", "2 * f", "items[0]", "items[-1]", "items[1:]",
              "items[::-1]", "s[0:5]", "s[-5:]", "d['a']", "d.b", "cfg.db.host", "cfg['db'].port",
              "users[1].name", "nested[1][1][0]", "True", "False", "None", "true", "'%s-%d' % ('a', 3)",
              "'%05.2f' % f", "'%(x)s' % {'x': 1}", "'{} {}'.format('a', 'b')", "'{0:>5}|'.format('ab')",
              "'{:,}'.format(1234567)", "'{:.3f}'.format(f)", "'{name}'.format(name='z')",
              "s.split()", "csv.split(',')", "csv.split(',', 1)", "path.rsplit('/', 1)", "s.startswith('He')",
              "s.endswith(('x', 'ld'))", "spaces.strip()", "spaces.lstrip()", "spaces.rstrip()",
              "s.lower()", "s.upper()", "s.replace('o', '0')", "'-'.join(words)", "d.items() | list",
              "d.keys() | list", "d.values() | list", "d.get('a')", "d.get('z', 9)", "d.get('z')",
              "s.title()", "s.capitalize()", "s.find('o')", "s.count('o')", "multi.splitlines()",
              "'abc'.isdigit()", "'123'.isdigit()", "'x'.zfill(3)", "words.index('Apple')",
              "n is divisibleby 5", "n is odd", "n is even", "items is sequence", "d is mapping",
              "n is number", "f is float", "n is integer", "s is string", "none is none",
              "t is boolean", "t is true", "fa is false", "undefined_var is undefined",
              "undefined_var is defined", "d.zz is defined", "n is eq 5", "n is gt 3", "n is lt 3",
              "n is ge 5", "n is le 4", "n is ne 4", "2 is in items", "items is contains 3",
              "s is lower", "'abc' is lower", "'ABC' is upper", "s is match('Hel')", "s is match('World')",
              "s is search('World')", "s is regex('W.r')", "ver is version('1.2.9', '>')",
              "ver is version('1.10', '<')", "ver is version_compare('1.2.10', '==')",
              "[1] is subset(items)", "items is superset([1, 2])", "[1, 0] is any", "[1, 0] is all",
              "result_ok is changed", "result_ok is succeeded", "result_ok is failed",
              "result_bad is failed", "result_bad is success", "skipped_r is skipped",
              "result_ok is skipped", "'/etc' is directory", "'/etc/hostname' is file",
              "'/nonexistent' is exists", "'/etc' is abs", "'etc' is abs", "s is iterable",
              "n is iterable", "range(3) | list", "range(1, 10, 3) | list", "range(5, 0, -2) | list",
              "dict(a=1, b=2)", "lookup('items', [1, 2], wantlist=True)", "query('items', [1, 2])",
              "lookup('dict', d, wantlist=True)", "lookup('indexed_items', ['a', 'b'], wantlist=True)",
              "lookup('sequence', 'start=1 end=5', wantlist=True)", "lookup('sequence', '1-3', wantlist=True)",
              "lookup('sequence', 'start=0 end=10 stride=5 format=x%02d', wantlist=True)",
              "query('together', [1, 2], ['a', 'b'])", "query('nested', [1, 2], ['a', 'b'])",
              "query('subelements', users, 'groups')", "lookup('vars', 'n')", "lookup('env', 'TEND_UNSET_VAR')",
              "lookup('pipe', 'echo hi')", "lookup('file', '/etc/hostname') | length > 0",
              "lookup('first_found', ['/nonexistent', '/etc/hostname'])",
              "greeting", "chain", "num_tpl", "list_tpl", "list_tpl | length", "omit is defined"]:
        case("{{ " + e + " }}")
    # Filters (Jinja2 built-ins).
    for e in ["name | upper", "s | lower", "s | capitalize", "'hello world' | title", "s | replace('l', 'L')",
              "s | replace('l', 'L', 1)", "spaces | trim", "'xxhixx' | trim('x')", "'42' | int", "'4.9' | int",
              "'abc' | int", "'abc' | int(7)", "'0x1A' | int(base=16)", "'1.5' | float", "'x' | float",
              "n | float", "f | int", "n | string", "items | string", "'yes' | bool", "'no' | bool", "1 | bool",
              "none | bool", "s | list", "d | list", "items | length", "s | length", "d | count",
              "unicode | length", "items | first", "items | last", "s | first", "items | min", "items | max",
              "words | min", "words | max", "words | max(case_sensitive=true)", "items | sum", "fl | sum",
              "users | sum(attribute='uid')", "items | sort", "items | sort(reverse=true)", "words | sort",
              "words | sort(case_sensitive=true)", "users | sort(attribute='name', reverse=true) | map(attribute='name') | list",
              "dup | unique", "mixed | unique", "items | reverse | list", "s | reverse",
              "users | map(attribute='name') | list", "users | map(attribute='name') | join(', ')",
              "words | map('upper') | list", "items | map('string') | join('-')",
              "users | selectattr('active') | map(attribute='name') | list",
              "users | rejectattr('active') | map(attribute='name') | list",
              "users | selectattr('uid', 'gt', 1001) | map(attribute='uid') | list",
              "users | selectattr('name', 'equalto', 'bob') | first",
              "items | select('odd') | list", "items | reject('odd') | list", "[0, 1, '', 'a', none] | select | list",
              "users | groupby('active') | map('first') | list", "d | dictsort", "d | dictsort(reverse=true)",
              "d | dictsort(by='value')", "d | items | list", "s | wordcount", "'x' | center(7)",
              "s | truncate(8, leeway=0)", "s | truncate(8, true, leeway=0)", "'a b c d e f g h' | truncate(9, leeway=0)",
              "neg | abs", "f | round", "2.567 | round(2)", "2.5 | round", "3.5 | round", "2.1 | round(method='ceil')",
              "2.9 | round(0, 'floor')", "range(7) | batch(3) | list", "range(7) | batch(3, 'x') | list",
              "range(7) | slice(3) | list", "d | tojson", "'<&>' | tojson", "d | urlencode", "'a b/c' | urlencode",
              "'%s=%s' | format('k', 1)", "html | e", "html | escape", "html | safe", "items | join",
              "users | join(',', attribute='name')", "multi | indent(2)", "multi | indent(2, true)",
              "'a\\n\\nb' | indent(4)", "'a\\n\\nb' | indent(4, blank=true)", "words | first | upper",
              "undefined_var | default('dflt')", "undefined_var | d(5)", "empty | default('x')",
              "empty | default('x', true)", "none | default('x')", "d.zz | default('deep')",
              "undefined_var.x | default('chain')", "'abc' | list | last", "items | map('int') | sum"]:
        case("{{ " + e + " }}")
    # Ansible filters.
    for e in ["d | to_json", "d | to_nice_json", "users[0] | to_json", "unicode | to_json", "json_text | from_json",
              "d | to_yaml", "d | to_nice_yaml", "cfg | to_nice_yaml", "users | to_nice_yaml", "yaml_text | from_yaml",
              "t | ternary('on', 'off')", "fa | ternary('on', 'off')", "none | ternary('a', 'b', 'c')",
              "cfg | combine(other)", "cfg | combine(other, recursive=true)", "d | combine({'a': 9}, {'z': 0})",
              "cfg | combine(other, recursive=true, list_merge='append')", "d | dict2items", "kv | items2dict",
              "d | dict2items(key_name='k', value_name='v')", "nested | flatten", "nested | flatten(1)",
              "[1, [none, 2]] | flatten", "items | zip(words) | list", "[1, 2] | zip_longest(['a']) | list",
              "[1, 2] | product(['a', 'b']) | list", "s | regex_search('W\\\\w+')", "s | regex_search('(o)(r)', '\\\\2')",
              "s | regex_search('zzz')", "s | regex_replace('o', '0')", "s | regex_replace('(\\\\w+) (\\\\w+)', '\\\\2 \\\\1')",
              "s | regex_replace('^h', 'J', ignorecase=true)", "s | regex_findall('o.')", "s | regex_findall('(l+)(o)')",
              "'a.b*c' | regex_escape", "name | b64encode", "b64 | b64decode", "unicode | b64encode",
              "path | basename", "path | dirname", "'/' | dirname", "'file.tar.gz' | splitext | list",
              "'.bashrc' | splitext | list", "\"it's\" | quote", "'simple' | quote", "'a b' | quote", "name | hash('md5')",
              "name | hash('sha256')", "name | hash", "name | checksum", "name | md5", "name | sha1",
              "'secret' | password_hash('sha512', 'mysalt')", "'secret' | password_hash('sha256', 'abc')",
              "items | difference([1])", "items | intersect([2, 3, 4])", "items | union([4, 1])",
              "items | symmetric_difference([2, 9])", "ip | ipaddr('address')", "ip | ipaddr('network')",
              "ip | ipaddr('netmask')", "ip | ipaddr('prefix')", "ip | ipaddr('broadcast')", "'10.1.1.1' | ipaddr",
              "'nonsense' | ipaddr", "name | to_uuid", "'x' | comment", "'x\\ny' | comment('c')",
              "'x' | comment('cblock')", "'%Y' | strftime(0)", "'%Y-%m-%d %H:%M' | strftime(86400, utc=true)",
              "n | type_debug", "s | type_debug", "items | type_debug", "d | type_debug", "f | type_debug",
              "t | type_debug", "none | type_debug", "ver | version('1.2.3', '>=')", "'1.0' | version_compare('1.0.1', 'lt')",
              "users | map(attribute='groups') | flatten | unique", "[0, 2] | map('extract', items) | list",
              "users | subelements('groups') | map('last') | list", "undefined_var | mandatory",
              "bools | map('bool') | list", "items | random(seed='x') is number", "1024 | human_readable",
              "d | dict2items | items2dict", "'a=b' | split('=')", "[[1, 'a'], [2, 'b']] | community.general.dict",
              "d | ansible.builtin.to_json", "d | ansible.builtin.dict2items | length"]:
        case("{{ " + e + " }}")
    # Statements and whitespace.
    stmts = [
        "{% if n > 3 %}big{% else %}small{% endif %}",
        "{% if n > 10 %}a{% elif n > 3 %}b{% else %}c{% endif %}",
        "{% if fa %}x{% endif %}",
        "{% for i in items %}{{ i }},{% endfor %}",
        "{% for i in items if i > 1 %}{{ loop.index }}:{{ i }} {% endfor %}",
        "{% for i in [] %}x{% else %}empty{% endfor %}",
        "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}",
        "{% for k in d %}{{ k }}{% endfor %}",
        "{% for u in users %}{{ loop.index0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.revindex }} {% endfor %}",
        "{% for a, b in [[1, 2], [3, 4]] %}{{ a + b }} {% endfor %}",
        "{% for i in items %}{{ loop.cycle('odd', 'even') }} {% endfor %}",
        "{% for i in items %}{% if not loop.first %},{% endif %}{{ i }}{% endfor %}",
        "{% for i in items %}{{ loop.previtem | default('-') }}{{ i }}{{ loop.nextitem | default('-') }} {% endfor %}",
        "{% for row in nested %}{% for x in row %}[{{ loop.depth }}{{ x }}]{% endfor %}{% endfor %}",
        "{% set x = 5 %}{{ x * 2 }}",
        "{% set a, b = 1, 2 %}{{ a }}{{ b }}",
        "{% set block %}inner {{ name }}{% endset %}[{{ block }}]",
        "{% set up | upper %}shout{% endset %}{{ up }}",
        "{% set ns = namespace(total=0) %}{% for i in items %}{% set ns.total = ns.total + i %}{% endfor %}{{ ns.total }}",
        "{% set x = 1 %}{% for i in items %}{% set x = i %}{% endfor %}{{ x }}",
        "{% macro greet(who, punct='!') %}Hi {{ who }}{{ punct }}{% endmacro %}{{ greet('a') }} {{ greet('b', '?') }} {{ greet(who='c') }}",
        "{% macro wrap() %}<{{ caller() }}>{% endmacro %}{% call wrap() %}body{% endcall %}",
        "{% macro li(x) %}{{ x }}{% endmacro %}{% for i in items %}{{ li(i) }}{% endfor %}",
        "{% raw %}{{ not rendered }}{% endraw %}",
        "a{# comment #}b",
        "{% filter upper %}shout {{ name }}{% endfilter %}",
        "{% with y = n * 2 %}{{ y }}{% endwith %}",
        "  {%- if t %}x{% endif -%}  \n",
        "a\n{% if t %}\nb\n{% endif %}\nc\n",
        "a\n  {% if t %}\nb\n  {% endif %}\nc\n",
        "{% for i in items %}\n{{ i }}\n{% endfor %}\n",
        "{% for i in items -%}\n{{ i }}\n{%- endfor %}",
        "{% if t %}\n  yes\n{% endif %}",
        "x {{- ' y ' -}} z",
        "{%+ if t %}a{% endif +%}\nb",
        "line\n{# c #}\nnext",
        "#jinja2: trim_blocks: False\n{% if t %}\nx\n{% endif %}\n",
        "#jinja2: lstrip_blocks: True\n  {% if t %}\nx\n  {% endif %}\n",
        "#jinja2: trim_blocks: False, lstrip_blocks: True\n    {% for i in items %}\n{{ i }}\n    {% endfor %}\n",
        "{{ '{{' }} literal {{ '}}' }}",
        "trailing\n\n",
        "{{ name }}\n",
        "{{ s }} and {{ n }}",
        "[{{ n }}, {{ n }}]",
        "{{ t }}",
        "{{ none }}",
        "x{{ none }}y",
        "{{ items }}",
        "{{ d }}",
        "{{ f }} {{ 1.0 }} {{ 1e20 }} {{ 0.0001 }} {{ 1/3 }}",
        "{{ [1, 'a', none, true, 1.5] }}",
        "{{ {'k': [1, {'j': 'v'}]} }}",
        "{{ \"it's\" }} {{ ['it\\'s'] }}",
        "{{ unicode }} {{ [unicode] }}",
        "{% for u in users | sort(attribute='uid', reverse=true) %}{{ u.name }}{% endfor %}",
        "{% for g, members in users | groupby('active') %}{{ g }}:{{ members | map(attribute='name') | join(',') }};{% endfor %}",
        "{{ users | selectattr('active') | list | length }}",
        "{% if 'adm' in users[0].groups %}admin{% endif %}",
        "{% for u in users if u.groups %}{{ u.name }}{% endfor %}",
        "{{ '%-10s|' % name }}",
        "{{ (n * 2) | string + 'x' }}",
        "{{ -2 | abs }}",
        "{{ 'a' if n is defined }}",
        "{{ items | map('string') | list }}",
        "{{ s.split(' ')[1] }}",
        "{{ (s | lower).replace('world', 'there') }}",
        "{{ csv.split(',') | map('upper') | join('|') }}",
        "{{ cfg.db.items() | list }}",
        "{{ {'b': 1, 'a': 2} | dictsort | first }}",
        "{{ users[0]['groups'] | join(' ') }}",
        "{{ name ~ '-' ~ n ~ '-' ~ f }}",
        "{{ 1 if t }}{{ 2 if fa else 3 }}",
        # An inline if with no else yields Jinja2's lenient Undefined.
        "[{{ 'x' if fa }}]", "{{ ('x' if fa) | default('d') }}", "{{ ('x' if fa) ~ 'y' }}",
        "{{ ('x' if fa) | length }}", "{{ ('x' if fa) is defined }}", "{{ ('x' if fa) | list }}",
        "{{ ('x' if fa).foo }}",
        # Jinja2 skips Python's \s between tokens, Unicode spaces included.
        "{{ items\u00a0| length }}", "{%\u3000if t %}y{% endif %}",
        "{{ not none }}",
        "{{ d['a'] + d.b }}",
        "{{ 'x' ~ items }}",
    ]
    for s in stmts:
        case(s)
    # Errors: syntax and runtime.
    for s in ["{{ undefined_var }}", "{{ d.missing }}", "{{ items[10] }}", "{% if %}x{% endif %}",
              "{% if t %}x", "{% for i in items %}x", "{{ name | nosuchfilter }}", "{{ n is nosuchtest }}",
              "{{ 1 + }}", "{{ name", "{% endif %}", "{% foo %}", "{{ 'a' + 1 }}", "{{ 1 / 0 }}",
              "{{ undefined_var + 1 }}", "{{ n.x.y }}", "{{ items | join(undefined_var) }}",
              "{% for x in n %}{% endfor %}", "{{ 'x' < 1 }}", "{{ lookup('nosuchlookup', 'x') }}",
              "{{ users | map(attribute='nope') | list }}", "{{ undefined_var | mandatory }}",
              "{% if undefined_var %}x{% endif %}", "{{ undefined_fn() }}", "{{ {'a': 1}.a.b.c }}",
              "{% macro m(a) %}{% endmacro %}{{ m(1, 2) }}", "{{ d | dict2items(1, 2, 3) }}", "{{ n | upper | int + 'x' }}"]:
        case(s)
    # Variables that are templates.
    case("{{ a }}", {"a": "{{ b }}", "b": "{{ c }}", "c": 3})
    case("{{ a }}", {"a": "{{ b }}", "b": "{{ a }}"})
    case("{{ a | length }}", {"a": "{{ [1, 2, 3] }}"})
    case("{{ a.x }}", {"a": {"x": "{{ b }}"}, "b": "deep"})
    case("{{ a }}", {"a": ["{{ b }}", 2], "b": 1})
    case("{{ x }} {{ y }}", {"x": "{{ y | upper }}", "y": "lower"})
    case("{{ p }}", {"p": "{{ qq | default('fallback') }}"})
    case("{{ m }}", {"m": "{{ 1 + 1 }}"})
    case("{{ m + 1 }}", {"m": 41})
    case("plain text", {})
    case("", {})
    case("{{ '\\\\d+' }}", {})
    case("{{ 'a1b22' | regex_replace('\\\\d', '#') }}", {})
    case("{{ 'x' | regex_replace('(x)', '\\\\1\\\\1') }}", {})
    # Python's text for values, from the one formatter (issue 17): floats as repr()
    # prints them, json.dumps' escapes, and str.replace with an empty `old`.
    for e in ["[1e15, 1e16, 1.5e-7, 0.1, -0.0] | string", "{'k': 1e-5, 'x': 1e15} | to_json",
              "[1e15, 1e22] | to_nice_json", "'abc' | replace('', '-')",
              "'abc' | replace('', '-', 2)"]:
        case("{{ " + e + " }}", {})
    text = {"v": ["a\tb", "it's", "c\x7f\u00e9", "d\r"]}
    for e in ["v | string", "v | to_json", "v | to_json(ensure_ascii=false)", "v | to_nice_json"]:
        case("{{ " + e + " }}", text)


def oracle():
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar
    from ansible.errors import AnsibleError
    from ansible.utils.unsafe_proxy import AnsibleUnsafe
    loader = DataLoader()
    results = []
    for c in CASES:
        templar = Templar(loader=loader, variables=dict(c["vars"]))
        entry = {"template": c["template"], "vars": c["vars"] if c["vars"] is not V else "V"}
        try:
            value = templar.template(c["template"])
            try:
                json.dumps(value)
            except TypeError:
                value = str(value)
            entry["expected"] = json.loads(json.dumps(value))
        except Exception as e:  # noqa: BLE001 - any failure is an expected error
            entry["error"] = str(e).split("\n")[0][:300]
        results.append(entry)
    return {"comment": "generated by tests/jinja/gen_cases.py from Ansible's templar; do not edit",
            "common_vars": V, "cases": results}


def main():
    build()
    check = "--check" in sys.argv
    try:
        import ansible.template  # noqa: F401
    except ImportError:
        if check:
            print("skipped: Ansible (python3 ansible-core) is not installed; the oracle cannot run")
            sys.exit(77)
        raise
    os.environ.setdefault("ANSIBLE_LOCALHOST_WARNING", "False")
    data = oracle()
    text = json.dumps(data, indent=1, ensure_ascii=False, sort_keys=False) + "\n"
    if check:
        with open(OUT, encoding="utf-8") as f:
            old = f.read()
        if old != text:
            print("cases.json is stale: run tests/jinja/gen_cases.py and commit the result")
            sys.exit(1)
        print(f"cases.json matches the oracle ({len(data['cases'])} cases)")
        return
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(text)
    n_err = sum(1 for c in data["cases"] if "error" in c)
    print(f"wrote {len(data['cases'])} cases ({n_err} errors) to {OUT}")


if __name__ == "__main__":
    main()
