/**
 * test.ts: checks microgpt.ts stage by stage, one `describe` per stage. Run it with `npm test`, which type-checks under
 * strict first. Every golden value says where it came from. "microgpt.py" below means Karpathy's gist at revision
 * 14fb038, run under CPython 3.11.7 with only the named variables changed, and every '\r' of its stdout made '\n'.
 * Nothing here reads ../shared, so a fresh clone can run it.
 */
import { before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { create_model as GPT, Random, Value, defaults, fixed, read_docs, softmax, unique_chars as tokenizer, type Vec } from './microgpt.ts'

const MICROGPT = fileURLToPath(new URL('microgpt.ts', import.meta.url))
const TSX = import.meta.resolve('tsx') // the loader that runs microgpt.ts in a child process, wherever its cwd is
const scratch = mkdtempSync(join(tmpdir(), 'microgpt-test-'))
const file = (name: string, text: string) => {
  const path = join(scratch, name)
  writeFileSync(path, text)
  return path
}
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')
const lines = (text: string) => text.split('\n')
const linux = process.platform === 'linux' // script(1) from util-linux gives the program a terminal
// A BOM, CRLF, a lone CR, a blank line, and white space that str.strip() removes (\u3000, \x85, \x1c, \u2003, \xa0)
const TEXT = '\ufeffzoë\r\n  José \r\nbjörn\rさくら\n\n\u3000李雷\u3000\r\n\x85emma\x1c\nolivia\t\n😀ana\n' +
  '\uff21nna\n \r\n\u2003noah\u2003\nmia\nzoë\nliam\r\nava\n\u00a0sofía\u00a0\nlucas\n'

// Runs the program as a user would, with stdout and stderr piped
function run(args: string[], cwd = scratch) {
  const r = spawnSync(process.execPath, ['--import', TSX, MICROGPT, ...args], { cwd, encoding: 'utf8', timeout: 300e3 })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

describe('random: Python\'s generator, draw for draw', () => {
  // Goldens printed by CPython 3.11.7, as in
  //   python3 -c "import random; random.seed(42); print([random.random() for _ in range(3)])"
  // and likewise for the seeds and calls that each test names.
  it('random() after seed(42), seed(0), a negative seed and a seed wider than 64 bits', () => {
    const draws = (seed: number | bigint, n: number) => {
      const r = new Random(seed)
      return Array.from({ length: n }, () => r.random())
    }
    assert.deepEqual(draws(42n, 3), [0.6394267984578837, 0.025010755222666936, 0.27502931836911926])
    assert.deepEqual(draws(0n, 2), [0.8444218515250481, 0.7579544029403025])
    assert.deepEqual(draws(-7n, 2), [0.32383276483316237, 0.15084917392450192]) // Python seeds with |n|, as seed(7)
    assert.deepEqual(draws(2n ** 64n + 5n, 2), [0.5105783769365112, 0.8797586528012199])
    assert.deepEqual(draws(42n, 3), draws(42, 3)) // a number seed works like a bigint one
  })
  it('keeps step with Python across a twist of the state (the 701st draw after seed(42))', () => {
    // python3 -c "import random; random.seed(42); [random.random() for _ in range(700)]; print(random.random())"
    const r = new Random(42n)
    for (let i = 0; i < 700; i++) r.random()
    assert.equal(r.random(), 0.6476347234024807)
  })
  it('shuffle(list(range(10))) after seed(42)', () => {
    const x = Array.from({ length: 10 }, (_, i) => i)
    new Random(42n).shuffle(x)
    assert.deepEqual(x, [7, 3, 2, 8, 5, 6, 9, 4, 0, 1])
  })
  it('choices(range(4), weights=[0.1, 0.0, 0.6, 0.3])[0], twelve times after seed(1)', () => {
    const r = new Random(1n)
    const picks = Array.from({ length: 12 }, () => r.choices([0.1, 0.0, 0.6, 0.3]))
    assert.deepEqual(picks, [2, 3, 3, 2, 2, 2, 2, 3, 0, 0, 3, 2])
  })
  it('gauss(0, 1) five times after seed(3), with the cached second normal, to within 4 ulp', () => {
    // gauss() goes through log, cos and sin. V8's and glibc's disagree in the last bit now and then, so this
    // check allows a few ulp; random(), shuffle() and choices() above are exact.
    const r = new Random(3n), python = [0.09470803828730423, 1.2500243810835503, -0.931378367720707, 0.9923772805192402,
      -0.25915453769343405]
    for (const want of python) {
      const got = r.gauss(0, 1)
      assert.ok(Math.abs(got - want) <= 4 * Number.EPSILON * Math.abs(want), `gauss gave ${got}, Python ${want}`)
    }
  })
  it('refuses weights that add up to nothing, as Python does', () => {
    assert.throws(() => new Random(1n).choices([0, 0]), /cannot sample/)
    assert.throws(() => new Random(1n).choices([NaN, 1]), /cannot sample/)
  })
})

describe('dataset and tokenizer: lines and characters as Python sees them', () => {
  it('splits lines and strips them like [line.strip() for line in open(f) if line.strip()]', () => {
    // python3 -c "print([l.strip() for l in open('input.txt', encoding='utf-8') if l.strip()])", input.txt holding TEXT
    assert.deepEqual(read_docs(TEXT), ['\ufeffzoë', 'José', 'björn', 'さくら', '李雷', 'emma', 'olivia', '😀ana',
      'Ａnna', 'noah', 'mia', 'zoë', 'liam', 'ava', 'sofía', 'lucas'])
  })
  it('orders characters by code point, as sorted(set(...)) does, with U+FF21 before U+1F600', () => {
    // python3 -c "print(sorted(set(''.join(docs))))" for the docs above
    assert.deepEqual(tokenizer(read_docs(TEXT)), ['J', 'a', 'b', 'c', 'e', 'f', 'h', 'i', 'j', 'l', 'm', 'n', 'o', 'r',
      's', 'u', 'v', 'z', 'é', 'ë', 'í', 'ö', 'く', 'さ', 'ら', '李', '雷', '\ufeff', 'Ａ', '😀'])
  })
})

// Central finite differences, the independent second opinion on every gradient below
const slope = (f: (x: number) => number, x: number, h = 1e-6) => (f(x + h) - f(x - h)) / (2 * h)
const near = (got: number, want: number, tol = 1e-6) =>
  assert.ok(Math.abs(got - want) <= tol * Math.max(1, Math.abs(want)), `got ${got}, want ${want}`)

describe('autograd: each op against finite differences', () => {
  const ops: [string, (a: Value, b: Value) => Value, number, number][] = [
    ['add', (a, b) => a.add(b), 1.5, -2.25], ['add a number', a => a.add(3.5), 1.5, 0],
    ['mul', (a, b) => a.mul(b), 1.5, -2.25], ['mul a number', a => a.mul(-0.75), 1.5, 0],
    ['pow 3', a => a.pow(3), 1.3, 0], ['pow -0.5', a => a.pow(-0.5), 0.7, 0], ['pow -1', a => a.pow(-1), 2.5, 0],
    ['log', a => a.log(), 0.3, 0], ['exp', a => a.exp(), -1.2, 0],
    ['relu above 0', a => a.relu(), 0.8, 0], ['relu below 0', a => a.relu(), -0.8, 0],
    ['neg', a => a.neg(), 1.5, 0], ['sub', (a, b) => a.sub(b), 1.5, -2.25], ['sub a number', a => a.sub(0.5), 1.5, 0],
    ['div', (a, b) => a.div(b), 1.5, -2.25], ['div by a number', a => a.div(0.3), 1.5, 0],
    ['sum', (a, b) => Value.sum([a, b, a.mul(b), new Value(0.25)]), 1.5, -2.25],
    ['a composite', (a, b) => a.mul(b).add(b.exp()).div(a.pow(2).add(1)).log(), 0.9, 0.4],
  ]
  for (const [name, f, a0, b0] of ops) {
    it(name, () => {
      const a = new Value(a0), b = new Value(b0), out = f(a, b)
      out.backward()
      near(a.grad, slope(x => f(new Value(x), new Value(b0)).data, a0))
      near(b.grad, slope(x => f(new Value(a0), new Value(x)).data, b0))
    })
  }
  it('computes the same values as plain arithmetic', () => {
    const a = new Value(1.5), b = new Value(-2.25)
    assert.equal(a.add(b).data, -0.75); assert.equal(a.mul(b).data, -3.375); assert.equal(a.sub(b).data, 3.75)
    assert.equal(a.div(b).data, 1.5 * (-2.25) ** -1); assert.equal(a.pow(2).data, 2.25); assert.equal(b.relu().data, 0)
    assert.equal(Value.sum([a, b, a]).data, 0.75)
  })
})

// Python's backward(), transcribed: a recursive topological sort, then the chain rule in reverse order
function python_backward(root: Value) {
  const topo: Value[] = [], visited = new Set<Value>()
  const children = (v: Value) => v.terms ?? [v.a, v.b].filter((c): c is Value => c !== null)
  const local_grads = (v: Value) => v.terms ? v.terms.map(() => 1) : [v.da, v.db].slice(0, children(v).length)
  const build_topo = (v: Value) => {
    if (visited.has(v)) return
    visited.add(v)
    for (const child of children(v)) build_topo(child)
    topo.push(v)
  }
  build_topo(root)
  root.grad = 1
  for (const v of topo.reverse()) children(v).forEach((c, i) => { c.grad += local_grads(v)[i] * v.grad })
}

describe('backward: the chain rule through shared subexpressions', () => {
  it('adds up every path to a reused node', () => {
    const a = new Value(3), b = new Value(-2), c = a.mul(b), d = c.mul(c).add(c).add(a) // d = (ab)^2 + ab + a
    d.backward()
    assert.equal(a.grad, (2 * -6 + 1) * -2 + 1) // dd/da = (2c + 1) b + 1
    assert.equal(b.grad, (2 * -6 + 1) * 3)
    assert.equal(c.grad, 2 * -6 + 1)
  })
  it('counts a node twice when it is both children of one op (x * x)', () => {
    const x = new Value(1.75), y = x.mul(x)
    y.backward()
    assert.equal(x.grad, 3.5)
  })
  it('gives bit-for-bit the gradients of Python\'s order, where rounding depends on that order', () => {
    // x feeds 64 products, added up a binary tree of add() and sum() nodes: the order in which their contributions
    // reach x.grad decides its last bits, and that order comes from the topological sort
    const build = () => {
      const r = new Random(9n), x = new Value(0.3), products = Array.from({ length: 64 }, () => x.mul(r.gauss(0, 1)))
      let level = products
      while (level.length > 1) {
        const pair = (i: number) => level.length % 4 ? level[i].add(level[i + 1]) : Value.sum([level[i], level[i + 1]])
        level = Array.from({ length: level.length / 2 }, (_, i) => pair(2 * i).mul(r.gauss(0, 1)))
      }
      return { x, products, loss: Value.sum([level[0], x.exp(), Value.sum(products.slice(0, 5))]) }
    }
    const ours = build(), python = build()
    ours.loss.backward()
    python_backward(python.loss)
    assert.equal(ours.x.grad, python.x.grad)
    assert.deepEqual(ours.products.map(p => p.grad), python.products.map(p => p.grad))
    const creation_order = python.products.reduce((sum, p) => sum + p.da * p.grad, 0) + Math.exp(0.3)
    assert.notEqual(creation_order, python.x.grad) // the order matters here, so a wrong one is caught
  })
  it('walks a graph a million nodes deep without overflowing the stack', () => {
    const x = new Value(0.5), c = new Value(1)
    let y = x
    for (let i = 0; i < 1_000_000; i++) y = y.add(c)
    y.backward()
    assert.equal(x.grad, 1)
    assert.equal(c.grad, 1_000_000)
  })
})

describe('the model: the loss gradient of every parameter against finite differences', () => {
  it('a 2-layer, 2-head GPT on a short document', () => {
    const config = { ...defaults, n_layer: 2, n_embd: 4, n_head: 2, block_size: 4 }
    const BOS = 3, tokens = [BOS, 0, 2, 1, BOS]
    const { params, gpt, kv_cache } = GPT(4, config, new Random(5n))
    const loss = () => { // the same forward pass as main()'s training loop, over positions 0..3
      const keys = kv_cache(), values = kv_cache(), losses: Vec = []
      for (let pos_id = 0; pos_id < 4; pos_id++) {
        losses.push(softmax(gpt(tokens[pos_id], pos_id, keys, values))[tokens[pos_id + 1]].log().neg())
      }
      return Value.sum(losses).mul(1 / 4)
    }
    loss().backward()
    assert.equal(params.length, 4 * 4 + 4 * 4 + 4 * 4 + 2 * (4 * 16 + 2 * 64))
    for (const p of params) {
      const grad = p.grad, data = p.data
      const numeric = slope(x => { p.data = x; const l = loss().data; p.data = data; return l }, data, 1e-5)
      near(grad, numeric, 1e-5)
    }
  })
})

describe('printing numbers as Python\'s format spec does', () => {
  it('rounds an exact tie to even, as f\'{x:.4f}\' does, where toFixed() rounds it up', () => {
    // python3 -c "print([f'{x:.4f}' for x in (2.03125, 2.09375, -2.03125, 3.96875, 2.0312500000000004, 0.00015)])"
    // and likewise f'{x:.0f}' for 0.5, 1.5 and 2.5, and f'{float(\"nan\"):.4f}'
    assert.equal((2.03125).toFixed(4), '2.0313') // the JavaScript rounding that Python does not do
    const cases: [number, number, string][] = [[2.03125, 4, '2.0312'], [2.09375, 4, '2.0938'], [-2.03125, 4, '-2.0312'],
      [3.96875, 4, '3.9688'], [2.0312500000000004, 4, '2.0313'], [0.00015, 4, '0.0001'], [0.5, 0, '0'],
      [1.5, 0, '2'], [2.5, 0, '2'], [NaN, 4, 'nan']]
    for (const [x, digits, python] of cases) assert.equal(fixed(x, digits), python, `${x} to ${digits} places`)
  })
})

describe('the program, run as a user would: stdout is microgpt.py\'s, byte for byte', () => {
  it('the default run equals microgpt.py\'s default-run.out', () => {
    // SHA-256 and lines of microgpt.py's stdout with no variables changed, on this project's names.txt
    const { status, stdout } = run([])
    assert.equal(status, 0)
    const out = lines(stdout)
    assert.deepEqual(out.slice(0, 4), ['num docs: 32257', 'vocab size: 27', 'num params: 4192',
      'step    1 / 1000 | loss 3.4639'])
    assert.equal(out[1002], 'step 1000 / 1000 | loss 2.5116')
    assert.deepEqual(out.slice(1005, -1).map(l => l.slice(11)), ['biad', 'amadon', 'karel', 'mararo', 'nele',
      'talyn', 'amarie', 'emelen', 'kieven', 'salelyn', 'sanirin', 'aricon', 'kayi', 'anyn', 'darien', 'anilan',
      'sriale', 'vadidon', 'odinn', 'nayri'])
    assert.equal(sha256(stdout), 'cab26ab02333568293370b4bd74070a153ffbc6fa3d66363740c494d65dd3286')
  })
  it('--num_steps 50 --num_samples 5 equals quick-run.out, from any working directory', () => {
    // microgpt.py with num_steps = 50 and range(5) samples
    const { status, stdout } = run(['--num_steps', '50', '--num_samples', '5'], tmpdir())
    assert.equal(status, 0)
    assert.deepEqual(lines(stdout).slice(-6, -1), ['sample  1: alaa', 'sample  2: aala', 'sample  3: galess',
      'sample  4: uleia', 'sample  5: lilia'])
    assert.equal(sha256(stdout), '035354e8603dccdd096a8e03fc1f2ee2ecd4b6887794c5e22c92f64bd0808fb8')
  })
  it('every other flag, in both spellings, equals flags-run.out', () => {
    // microgpt.py with seed 1, n_layer 2, n_embd 8, n_head 2, block_size 8, learning_rate 0.02, num_steps 30,
    // temperature 0.9 and range(5) samples
    const { status, stdout } = run(['--seed=1', '--num_steps', '30', '--n_layer=2', '--n_embd', '8', '--n_head=2',
      '--block_size', '8', '--learning_rate=0.02', '--temperature', '0.9', '--num_samples=5'])
    assert.equal(status, 0)
    assert.deepEqual(lines(stdout).slice(2, 4), ['num params: 2032', 'step    1 /   30 | loss 3.3072'])
    assert.equal(sha256(stdout), '4169e8e4ddf83b53b49e786f10584af7820367f04ac420a0cf53a33e353f20d3')
  })
  it('a head width of 3, a context cut to 5 tokens and a temperature above 1', () => {
    // microgpt.py with seed 7, n_embd 12, n_head 3, block_size 5, num_steps 300, temperature 1.3, range(30) samples
    const { status, stdout } = run(['--seed', '7', '--num_steps', '300', '--n_embd', '12', '--n_head', '3',
      '--block_size', '5', '--temperature', '1.3', '--num_samples', '30'])
    assert.equal(status, 0)
    assert.deepEqual(lines(stdout).slice(302, 309), ['step  300 /  300 | loss 3.0629', '',
      '--- inference (new, hallucinated names) ---', 'sample  1: a', 'sample  2: kiymo', 'sample  3: aemz',
      'sample  4: jewon'])
    assert.equal(sha256(stdout), 'ce4bc32e7c63c8ad49dc1ba892bc3b0b9028abdadf9c5b7860ec3abc47dc15ea')
  })
  it('a UTF-8 file with a BOM, CRLF and CR lines, odd white space, accents, CJK and an emoji', () => {
    // microgpt.py with num_steps 100 and range(8) samples, its input.txt holding TEXT in UTF-8
    const { status, stdout } = run(['--input', file('unicode.txt', TEXT), '--num_steps', '100', '--num_samples', '8'])
    assert.equal(status, 0)
    assert.deepEqual(lines(stdout).slice(0, 3), ['num docs: 16', 'vocab size: 31', 'num params: 4320'])
    const samples = lines(stdout).slice(-9, -1).map(l => l.slice(11))
    assert.deepEqual(samples, ['Ａna', 'noa', '雷', 'zoë', 'lia', 'eana', 'lia', 'さくら'])
    assert.equal(sha256(stdout), '990c6347309c76158a4ac9f5e429ed9ccdb0ab4113c24b54c15104a9d02266de')
  })
  it('stops where microgpt.py stops: a probability of 0 has no log', () => {
    // microgpt.py with seed 3, learning_rate 5 and num_steps 100 prints these lines, then dies in step 2 with
    // "ValueError: math domain error" from math.log(0)
    const { status, stdout, stderr } = run(['--seed', '3', '--learning_rate', '5', '--num_steps', '100'])
    assert.equal(stdout, 'num docs: 32257\nvocab size: 27\nnum params: 4192\nstep    1 /  100 | loss 3.1135\n')
    assert.equal(status, 1)
    assert.match(stderr, /^microgpt\.ts: math domain error: log\(0\)/)
  })
  // The three runs below: microgpt.py with only the named lines changed, e.g. `num_steps = 1000` became
  // `num_steps = 0` and `for sample_idx in range(20):` became `for sample_idx in range(0):`
  it('--num_steps 0 samples from the untrained model, as microgpt.py does', () => {
    // microgpt.py with num_steps = 0
    const { status, stdout } = run(['--num_steps', '0'])
    assert.equal(status, 0)
    assert.deepEqual(lines(stdout).slice(0, 6), ['num docs: 32257', 'vocab size: 27', 'num params: 4192', '',
      '--- inference (new, hallucinated names) ---', 'sample  1: ipaa'])
    assert.equal(lines(stdout).at(-2), 'sample 20: nenbjhcmlrmbouzc')
    assert.equal(sha256(stdout), '15b83e14337b5a9e0a20c2075ff4989d9b9fd46894500fd511f658de20d94cbf')
  })
  it('--num_samples 0 trains and prints no samples', () => {
    // microgpt.py with num_steps = 20 and range(0) samples
    const { status, stdout } = run(['--num_steps', '20', '--num_samples', '0'])
    assert.equal(status, 0)
    assert.deepEqual(lines(stdout).slice(-4), ['step   20 /   20 | loss 2.7933', '',
      '--- inference (new, hallucinated names) ---', ''])
    assert.equal(sha256(stdout), '5780c317c8294a28eb8f73727e35fd6c06d22cf07503117bd92606e2a844480f')
  })
  it('--n_layer 0: embeddings straight to lm_head, no transformer block', () => {
    // microgpt.py with n_layer = 0, num_steps = 200 and range(10) samples
    const { status, stdout } = run(['--n_layer', '0', '--num_steps', '200', '--num_samples', '10'])
    assert.equal(status, 0)
    assert.deepEqual(lines(stdout).slice(2, 4), ['num params: 1120', 'step    1 /  200 | loss 3.4573'])
    assert.deepEqual(lines(stdout).slice(-4, -1), ['sample  8: caha', 'sample  9: laleo', 'sample 10: maree'])
    assert.equal(sha256(stdout), 'c4a7b717afd1c57d4f02bc93a0e80e7fddaece42a7d40af6ed37226a5410ef71')
  })
  it('is deterministic: the same flags give the same bytes', () => {
    const args = ['--seed', '11', '--num_steps', '20', '--num_samples', '10']
    assert.equal(run(args).stdout, run(args).stdout)
    assert.notEqual(run(args).stdout, run(['--seed', '12', '--num_steps', '20', '--num_samples', '10']).stdout)
  })
  it('on a terminal, rewrites the step line in place with \\r', { skip: !linux && 'needs script(1)' }, () => {
    const argv = [process.execPath, '--import', TSX, MICROGPT, '--num_steps', '3', '--num_samples', '1']
    const cmd = argv.map(a => `'${a}'`).join(' ')
    const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', timeout: 60_000 })
    assert.match(r.stdout.replaceAll('\r\n', '\n'), /loss \d\.\d{4}\rstep {4}2 \/ {4}3 \| loss \d\.\d{4}\rstep {4}3 /)
  })
  it('prints only microgpt.py\'s lines on stdout; the timing goes to stderr', () => {
    const { stdout, stderr } = run(['--num_steps', '2', '--num_samples', '1'])
    assert.ok(lines(stdout).every(l => /^(num docs|vocab size|num params|step|--- inference|sample|$)/.test(l)), stdout)
    assert.match(stderr, /^loss [^\n]+\ntrained 2 steps and sampled in \d+ ms\n$/) // the loss picture, then the time
  })
  it('importing the file trains nothing', () => {
    const code = `const m = await import(${JSON.stringify(MICROGPT)}); console.log(Object.keys(m).sort().join(' '))`
    const r = spawnSync(process.execPath, ['--import', TSX, '--input-type=module', '-e', code], { encoding: 'utf8' })
    const names = 'Random Value create_model defaults dot fixed linear main parse_flags read_docs rmsnorm settings softmax unique_chars'
    assert.equal(r.stdout, `${names}\n`)
  })
  it('--help says what every flag does, and its default', () => {
    const { status, stdout } = run(['--help'])
    assert.equal(status, 0)
    for (const [name, value] of Object.entries(defaults)) {
      const line = lines(stdout).find(l => l.startsWith(`  --${name} `)) ?? ''
      assert.match(line, /^ {2}--\w+ +\S.{15,}/, `--${name} has a description`)
      assert.doesNotMatch(line, /undefined/)
      if (value !== '') assert.ok(line.endsWith(` (default: ${value})`), line)
    }
  })
})

// Samples as the program prints them: 'sample  1: kamon' gives 'kamon'
const samples = (stdout: string) => stdout.split('\n').filter(l => l.startsWith('sample')).map(l => l.slice(11))

describe('keeping a model and steering it: --save, --load, --prefix and the loss picture', () => {
  const model = join(scratch, 'kept.json')
  let trained = { status: 0 as number | null, stdout: '', stderr: '' }
  before(() => { trained = run(['--num_steps', '30', '--num_samples', '8', '--save', model]) })

  it('--save writes the format, the characters, the sizes and every matrix', () => {
    assert.equal(trained.status, 0, trained.stderr)
    const m = JSON.parse(readFileSync(model, 'utf8'))
    assert.equal(m.format, 'microgpt.ts model')
    assert.equal(m.version, 1)
    assert.equal(m.uchars.join(''), 'abcdefghijklmnopqrstuvwxyz')
    assert.deepEqual([m.n_layer, m.n_embd, m.n_head, m.block_size], [1, 16, 4, 16])
    assert.deepEqual(Object.keys(m.state_dict), ['wte', 'wpe', 'lm_head', 'layer0.attn_wq', 'layer0.attn_wk',
      'layer0.attn_wv', 'layer0.attn_wo', 'layer0.mlp_fc1', 'layer0.mlp_fc2'])
    assert.equal(Object.values(m.state_dict).flat(2).length, 4192)
    assert.deepEqual(readdirSync(scratch).filter(f => f.includes('.tmp')), []) // no temporary file is left
  })
  it('--load with --num_steps 0 samples exactly what the saving run sampled', () => {
    const loaded = run(['--load', model, '--num_steps', '0', '--num_samples', '8'])
    assert.equal(loaded.status, 0, loaded.stderr)
    assert.deepEqual(samples(loaded.stdout), samples(trained.stdout))
    const untrained = run(['--num_steps', '0', '--num_samples', '8']) // so the loaded weights made the difference
    assert.notDeepEqual(samples(untrained.stdout), samples(trained.stdout))
  })
  it('reads every weight back bit for bit: loading and saving again writes the same bytes', () => {
    const again = join(scratch, 'again.json')
    assert.equal(run(['--load', model, '--num_steps', '0', '--num_samples', '0', '--save', again]).status, 0)
    assert.equal(readFileSync(again, 'utf8'), readFileSync(model, 'utf8'))
  })
  it('--load with steps trains on from the saved weights', () => {
    const fresh = run(['--num_steps', '1', '--num_samples', '0'])
    const more = run(['--load', model, '--num_steps', '1', '--num_samples', '0'])
    const loss = (stdout: string) => Number(/loss (\d\.\d{4})/.exec(stdout)![1])
    assert.equal(loss(fresh.stdout), 3.4639) // the first step of microgpt.py's default run
    assert.ok(loss(more.stdout) < 3.2, more.stdout) // the same first name, now with 30 steps behind it
  })
  it('--load takes the sizes from the file', () => {
    const small = join(scratch, 'small.json')
    const sizes = ['--n_layer', '2', '--n_embd', '8', '--n_head', '2', '--block_size', '8']
    assert.equal(run([...sizes, '--num_steps', '3', '--num_samples', '0', '--save', small]).status, 0)
    const loaded = run(['--load', small, '--num_steps', '0', '--num_samples', '3'])
    assert.equal(loaded.status, 0, loaded.stderr)
    assert.equal(lines(loaded.stdout)[2], 'num params: 2032') // as in flags-run.out, the same sizes
    assert.equal(run(['--load', small, '--n_embd', '8', '--num_steps', '0']).status, 0) // agreeing is fine
  })
  it('--prefix starts every sample with its text', () => {
    const { status, stdout } = run(['--load', model, '--num_steps', '0', '--num_samples', '12', '--prefix', 'ka'])
    assert.equal(status, 0)
    assert.equal(samples(stdout).length, 12)
    for (const name of samples(stdout)) assert.match(name, /^ka[a-z]*$/)
  })
  it('--prefix is read through gpt() and draws no random numbers', () => {
    // The rule, written out: feed BOS and the prefix, then draw each next token until BOS
    const c = { ...defaults, seed: 5n, prefix: 'mar', num_steps: 0 }
    const random = new Random(c.seed)
    const docs = read_docs(readFileSync(new URL('names.txt', import.meta.url), 'utf8'))
    random.shuffle(docs)
    const uchars = tokenizer(docs), BOS = uchars.length
    const { gpt, kv_cache } = GPT(uchars.length + 1, c, random)
    const want: string[] = []
    for (let s = 0; s < 6; s++) {
      const keys = kv_cache(), values = kv_cache(), ids = [BOS, ...[...c.prefix].map(ch => uchars.indexOf(ch))]
      let sample = c.prefix, next = BOS
      for (let pos = 0; pos < c.block_size; pos++) {
        const logits = gpt(pos < ids.length ? ids[pos] : next, pos, keys, values)
        if (pos < ids.length - 1) continue // still reading the prefix: no draw
        next = random.choices(softmax(logits.map(l => l.div(c.temperature))).map(p => p.data))
        if (next === BOS) break
        sample += uchars[next]
      }
      want.push(sample)
    }
    const { stdout } = run(['--seed', '5', '--num_steps', '0', '--num_samples', '6', '--prefix', 'mar'])
    assert.deepEqual(samples(stdout), want)
    assert.notDeepEqual(samples(stdout).map(n => n.slice(3)), samples(run(['--seed', '5', '--num_steps', '0',
      '--num_samples', '6']).stdout)) // the prefix changes what is drawn after it
  })
  it('draws the loss on stderr: the mean of each twentieth of the steps, and the first and last in numbers', () => {
    const { stdout, stderr } = run(['--num_steps', '40', '--num_samples', '1'])
    const losses = lines(stdout).filter(l => l.startsWith('step')).map(l => Number(l.slice(-6)))
    const m = /^loss (\d\.\d\d) ([▁▂▃▄▅▆▇█]{20}) (\d\.\d\d) +\(the mean of each twentieth of the steps, first to last\)\n/.exec(stderr)
    assert.ok(m, stderr)
    const means = Array.from({ length: 20 }, (_, i) => (losses[2 * i] + losses[2 * i + 1]) / 2) // 2 steps a bar
    assert.ok(Math.abs(Number(m[1]) - means[0]) <= 0.0051, `${m[1]} vs ${means[0]}`)
    assert.ok(Math.abs(Number(m[3]) - means[19]) <= 0.0051, `${m[3]} vs ${means[19]}`)
    assert.equal(m[2][means.indexOf(Math.max(...means))], '█') // the tallest bar is the highest mean
    assert.equal(m[2][means.indexOf(Math.min(...means))], '▁')
    assert.match(stderr, /\ntrained 40 steps/)
  })
  it('draws no picture for 0 steps, and one bar a step for fewer than 20', () => {
    assert.doesNotMatch(run(['--num_steps', '0', '--num_samples', '1']).stderr, /loss/)
    assert.match(run(['--num_steps', '5', '--num_samples', '1']).stderr, /^loss \d\.\d\d [▁▂▃▄▅▆▇█]{5} \d\.\d\d +\(the mean of each step, first to last\)\n/)
  })
  it('a save that fails leaves the file that was there; a save that works replaces it whole', () => {
    const folder = join(scratch, 'saves')
    mkdirSync(folder)
    const path = file('saves/keep.json', 'the old model\n')
    const diverged = run(['--learning_rate', '1e300', '--num_steps', '3', '--num_samples', '1', '--save', path])
    assert.equal(diverged.status, 1)
    assert.match(diverged.stderr, /microgpt\.ts: --save .*keep\.json: not saved: training diverged to NaN\n$/)
    assert.equal(readFileSync(path, 'utf8'), 'the old model\n')
    const old_file = statSync(path).ino
    assert.equal(run(['--num_steps', '2', '--num_samples', '0', '--save', path]).status, 0)
    assert.notEqual(statSync(path).ino, old_file) // a new file renamed into place, not the old one rewritten
    assert.equal(JSON.parse(readFileSync(path, 'utf8')).format, 'microgpt.ts model')
    assert.deepEqual(readdirSync(folder), ['keep.json']) // no temporary file is left behind
  })
})

describe('bad input: one line on stderr, a non-zero exit, no stack trace', () => {
  const blank = file('blank.txt', '\n  \r\n\t\n'), empty = file('empty.txt', '')
  const cases: [string, string[], RegExp][] = [
    ['a missing input file', ['--input', join(scratch, 'missing.txt')], /ENOENT: no such file or directory/],
    ['an input that is a folder', ['--input', scratch], /EISDIR/],
    ['an empty file', ['--input', empty], /has no documents/],
    ['a file of blank lines', ['--input', blank], /has no documents/],
    ['an unknown flag', ['--n_embed', '8'], /Unknown option '--n_embed'.*--help lists the flags/],
    ['a flag with no value', ['--seed'], /'--seed <value>' argument missing/],
    ['an argument that is not a flag', ['names.txt'], /Unexpected argument 'names.txt'/],
    ['a malformed integer', ['--n_embd', 'sixteen'], /--n_embd must be a positive integer, not 'sixteen'/],
    ['a fractional count', ['--n_layer=1.5'], /--n_layer must be a count \(0 or more\), not '1.5'/],
    ['a fractional size', ['--block_size=1.5'], /--block_size must be a positive integer, not '1.5'/],
    ['a size of 0', ['--block_size', '0'], /--block_size must be a positive integer, not '0'/],
    ['a negative count', ['--num_steps=-5'], /--num_steps must be a count \(0 or more\), not '-5'/],
    ['a negative n_layer', ['--n_layer=-1'], /--n_layer must be a count \(0 or more\), not '-1'/],
    ['a negative value after a space', ['--seed', '-7'], /ambiguous.*use '--seed=-XYZ'/],
    ['no heads', ['--n_head', '0'], /--n_head must be a positive integer, not '0'/],
    ['a width of 0', ['--n_embd=0'], /--n_embd must be a positive integer, not '0'/],
    ['a malformed number', ['--learning_rate', '1e'], /--learning_rate must be a number, not '1e'/],
    ['a malformed seed', ['--seed', '4.2'], /--seed must be an integer, not '4.2'/],
    ['n_embd not divisible by n_head', ['--n_embd', '10', '--n_head', '4'], /n_embd \(10\) must be a multiple of/],
    ['a temperature of 0', ['--temperature', '0'], /temperature must be above 0, not 0/],
    ['a negative temperature', ['--temperature=-0.5'], /temperature must be above 0, not -0.5/],
  ]
  // Models for the cases below, made before they run: one good, one of other characters, and broken copies
  const good = join(scratch, 'good.json'), broken = (name: string, edit: (m: any) => unknown) =>
    writeFileSync(join(scratch, name), JSON.stringify(edit(JSON.parse(readFileSync(good, 'utf8')))))
  before(() => {
    run(['--num_steps', '1', '--num_samples', '0', '--save', good])
    run(['--input', file('abc.txt', 'abc\ncab\n'), '--num_steps', '1', '--num_samples', '0', '--save', join(scratch, 'abc.json')])
    broken('short.json', m => ({ ...m, state_dict: { ...m.state_dict, wte: m.state_dict.wte.slice(1) } }))
    broken('moved.json', m => { m.state_dict.wpe.push(m.state_dict.wte.pop()); return m }) // as many weights
    broken('huge.json', m => ({ ...m, n_embd: 100_000 })) // sizes far beyond its matrices
    broken('text.json', m => { m.state_dict.wpe[3][5] = '0.5'; return m })
    broken('renamed.json', m => ({ ...m, state_dict: { ...m.state_dict, lm_head: undefined, head: m.state_dict.lm_head } }))
    broken('no_chars.json', m => ({ ...m, uchars: undefined }))
    broken('no_size.json', m => ({ ...m, n_head: 0 }))
  })
  const at = (name: string) => join(scratch, name)
  cases.push(
    ['--load: a missing file', ['--load', at('missing.json')], /--load .*missing\.json: ENOENT: no such file/],
    ['--load: a folder', ['--load', scratch], /--load .*: EISDIR/],
    ['--load: a file that is not JSON', ['--load', file('weights.txt', 'weights: 1, 2, 3\n')], /is not valid JSON/],
    ['--load: JSON that is not a model', ['--load', file('other.json', '{"wte": []}')],
      /other\.json: not a model that microgpt\.ts saved/],
    ['--load: a model without its characters', ['--load', at('no_chars.json')], /no_chars\.json was trained on the characters undefined, and the input has "abcdefghijklmnopqrstuvwxyz"/],
    ['--load: a model with a size of 0', ['--load', at('no_size.json')], /--n_head must be a positive integer, not '0'/],
    ['--load: a matrix with a row missing', ['--load', at('short.json')],
      /"wte" should be 27 x 16 numbers/],
    ['--load: a matrix of the wrong shape', ['--load', at('moved.json')], /"wte" should be 27 x 16 numbers/],
    ['--load: sizes far larger than the matrices', ['--load', at('huge.json')], /these sizes need \d+ GB of memory, the heap \d+\.\d GB\n/],
    ['--load: a weight that is not a number', ['--load', at('text.json')], /"wpe" should be 16 x 16 numbers/],
    ['--load: a matrix under another name', ['--load', at('renamed.json')], /"lm_head" should be 27 x 16 numbers/],
    ['--load: a model of other characters', ['--load', at('abc.json')],
      /abc\.json was trained on the characters "abc", and the input has "abcdefghijklmnopqrstuvwxyz"/],
    ['--load: a size flag that contradicts the model', ['--load', good, '--n_embd', '8'],
      /--n_embd contradicts .*good\.json: it has 16/],
    ['--save: into a folder that does not exist', ['--save', join(scratch, 'nowhere', 'm.json')], /--save .*nowhere.m\.json: ENOENT/],
    ['--save: under a file', ['--save', join(scratch, 'abc.txt', 'm.json')], /--save .*abc\.txt.m\.json: ENOTDIR/],
    ['--save: onto a folder', ['--save', scratch], /--save .*: that is a folder/],
    // /proc takes no new file, even from root: the trial write must refuse it before training
    ['--save: into a folder that takes no file', ['--save', '/proc/m.json'], /--save \/proc\/m\.json: ENOENT/],
    ['a width that cannot fit in memory', ['--n_embd', '100000'], /these sizes need \d+ GB of memory/],
    ['a context that cannot fit in memory', ['--block_size', '10000000'], /these sizes need \d+ GB/],
    ['a depth that cannot fit in memory', ['--n_layer', '100000'], /these sizes need \d+ GB/],
    ['--prefix: a character the input lacks', ['--prefix', 'kZ'], /--prefix: the input has none of "Z"/],
    ['--prefix: as long as block_size', ['--prefix', 'anna', '--block_size', '4'], /--prefix must be shorter than block_size/],
  )
  for (const [name, args, message] of cases) {
    it(name, () => {
      const { status, stdout, stderr } = run(args)
      assert.equal(status, 1)
      assert.equal(stdout, '')
      assert.match(stderr, /^microgpt\.ts: [^\n]+\n$/) // exactly one line
      assert.match(stderr, message)
      assert.doesNotMatch(stderr, /\n\s+at /) // no stack frames
    })
  }
})
