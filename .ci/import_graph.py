#!/usr/bin/env python3
"""The server library's import graph: a file-level graph of the `crate::`, `super::` and child
module paths each file uses (comments and strings ignored). It fails on any import circle, and
on any file that imports from a layer above its own:

    startup > routes > web, worker > app, ops > features > infrastructure > domain, i18n

with the features themselves in the order of `features/mod.rs` (a feature may use a lower one).
It also fails on a route file that queries the database itself (uses `sea_orm`, or an entity's
`Entity`, `Column` or `ActiveModel`): routes parse, call a feature function and render.

    python3 .ci/import_graph.py backend/src
"""
import os, re, sys
from collections import defaultdict

root = sys.argv[1]
files = {}
for dirpath, _, names in os.walk(root):
    for n in names:
        if n.endswith('.rs'):
            p = os.path.join(dirpath, n)
            rel = os.path.relpath(p, root)[:-3]
            parts = rel.split(os.sep)
            if parts[-1] in ('mod', 'lib', 'main'):
                parts = parts[:-1]
            files['::'.join(parts)] = p

def strip(src):
    """The source without comments, and with every string and char literal emptied."""
    out, i, n = [], 0, len(src)
    while i < n:
        c = src[i]
        if src.startswith('//', i):
            while i < n and src[i] != '\n':
                i += 1
        elif src.startswith('/*', i):
            depth, i = 1, i + 2
            while i < n and depth:
                if src.startswith('/*', i):
                    depth, i = depth + 1, i + 2
                elif src.startswith('*/', i):
                    depth, i = depth - 1, i + 2
                else:
                    i += 1
        elif c == 'r' and (i == 0 or not (src[i - 1].isalnum() or src[i - 1] == '_')) \
                and re.match(r'r#*"', src[i:]):
            hashes = re.match(r'r(#*)"', src[i:]).group(1)
            close = '"' + hashes
            j = src.find(close, i + 2 + len(hashes))
            out.append('""')
            i = n if j < 0 else j + len(close)
        elif c == '"':
            i += 1
            while i < n and src[i] != '"':
                i += 2 if src[i] == '\\' else 1
            out.append('""')
            i += 1
        elif c == "'" and re.match(r"'(\\.[^']*|[^\\'])'", src[i:]):
            m = re.match(r"'(\\.[^']*|[^\\'])'", src[i:])
            out.append("''")
            i += m.end()
        else:
            out.append(c)
            i += 1
    return ''.join(out)

def expand(prefix, text, i):
    """Paths in a `{...}` group starting at text[i] == '{'; returns (paths, end)."""
    out, cur, i = [], '', i + 1
    while i < len(text):
        c = text[i]
        if c == '{':
            sub, i = expand(prefix + cur.strip().rstrip(':').rstrip(':') + '::', text, i)
            out += sub; cur = ''
        elif c == '}':
            if cur.strip(): out.append(prefix + cur.strip())
            return out, i
        elif c == ',':
            if cur.strip(): out.append(prefix + cur.strip())
            cur = ''
        else:
            cur += c
        i += 1
    return out, i

def children(module):
    prefix = module + '::' if module else ''
    return {k[len(prefix):].split('::')[0] for k in files if k.startswith(prefix) and k != module}

def paths(src, module):
    found = []
    # Bare paths into child modules (`api::configure`, `use self::x`).
    kids = children(module) if files.get(module, '').endswith(('mod.rs', 'lib.rs', 'main.rs')) else set()
    for m in re.finditer(r'(?<![\w:])(self::)?([a-z_][a-z0-9_]*)::', src):
        if m.group(2) in kids:
            found.append((module + '::' if module else '') + m.group(2))
    for m in re.finditer(r'\b(crate|super)::', src):
        start = m.end()
        head = 'crate' if m.group(1) == 'crate' else 'super'
        base = ''
        if head == 'super':
            parent = module.split('::')[:-1]
            # `super::super::` chains
            rest = src[start:]
            while rest.startswith('super::'):
                parent = parent[:-1]; rest = rest[7:]; start += 7
            base = '::'.join(parent)
        j = start
        seg = ''
        while j < len(src) and (src[j].isalnum() or src[j] in '_:'):
            seg += src[j]; j += 1
        if j < len(src) and src[j] == '{' and (seg == '' or seg.endswith('::')):
            group, _ = expand((base + '::' if base else '') + seg, src, j)
            found += group
        else:
            found.append((base + '::' if base else '') + seg.rstrip(':'))
    return found

def resolve(path):
    parts = [p for p in path.split(' ')[0].split('::') if p and p != 'self']
    while parts:
        key = '::'.join(parts)
        if key in files:
            return key
        parts = parts[:-1]
    return None

edges = defaultdict(set)
for mod, p in files.items():
    for u in paths(strip(open(p).read()), mod):
        t = resolve(u)
        if t is None or t == mod or mod.startswith(t + '::'):
            continue
        edges[mod].add(t)

index, low, stack, on, comps = {}, {}, [], set(), []
counter = [0]
sys.setrecursionlimit(10000)
def strong(v):
    index[v] = low[v] = counter[0]; counter[0] += 1
    stack.append(v); on.add(v)
    for w in sorted(edges.get(v, ())):
        if w not in index:
            strong(w); low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop(); on.discard(w); comp.append(w)
            if w == v: break
        if len(comp) > 1:
            comps.append(sorted(comp))
for v in sorted(files):
    if v not in index:
        strong(v)
LAYERS = [
    (0, ['domain', 'i18n']),
    (1, ['config', 'telemetry', 'db', 'search', 'mail', 'media', 'jobs', 'payments', 'carriers', 'render', 'audit']),
    (3, ['app', 'ops']),
    (4, ['web', 'worker']),
    (5, ['routes']),
    (6, ['startup']),
]
FEATURES = ['accounts', 'catalog', 'registry', 'onboarding', 'selling', 'quality', 'live', 'offers', 'orders', 'shipping', 'cart',
            'outlets', 'sales']

def rank(module):
    top = module.split('::')[0]
    if top == 'features':
        name = module.split('::')[1] if '::' in module else ''
        return (2, FEATURES.index(name) if name in FEATURES else -1)
    for layer, names in LAYERS:
        if top in names:
            return (layer, 0)
    return None

problems = []
for c in comps:
    problems.append('import circle: ' + ' -> '.join(c))
for mod in sorted(edges):
    mine = rank(mod)
    if mine is None or mod == '' or mod == 'features':
        continue
    for target in sorted(edges[mod]):
        theirs = rank(target)
        if theirs is not None and target != 'features' and theirs > mine:
            problems.append(f'{mod} imports {target}, a layer above it')
for mod, p in sorted(files.items()):
    if mod.split('::')[0] == 'routes':
        src = strip(open(p).read())
        for m in re.finditer(r'\bsea_orm\b|\b(Entity|Column|ActiveModel)::', src):
            line = src[:m.start()].count('\n') + 1
            problems.append(f'{p}:{line}: a route file queries the database ({m.group(0)})')
            break
unranked = sorted({m.split('::')[0] for m in files if m and rank(m) is None})
for m in unranked:
    problems.append(f'module {m} has no layer: add it to .ci/import_graph.py')
for p in problems:
    print(p)
print(f"{len(files)} files, {sum(len(v) for v in edges.values())} imports, "
      f"{len(comps)} circles, {len(problems) - len(comps)} other problems")
sys.exit(1 if problems else 0)
