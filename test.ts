/**
 * test.ts: checks microgpt.ts stage by stage, one `describe` per stage. Run it with `npm test`, which type-checks
 * under strict first. Every golden value says where it came from. "microgpt.py" below means Karpathy's gist at
 * revision 14fb038, run under CPython 3.11.7 with only the named variables changed, and every '\r' of its stdout
 * made '\n'. Nothing here reads ../shared, so a fresh clone can run it.
 *
 * Speed: what can be checked in this process is (the generator, autograd, the model, the flags, the settings and
 * model-file checks, the loss picture); the program itself runs as a child process only where the whole run is the
 * point (the twin goldens, --save and --load, the download, the terminal, and one case of each kind of bad input).
 * Those children start as soon as the file loads, a few at a time, while the in-process tests run. Most run a copy of
 * microgpt.ts that esbuild stripped of its types once, with node alone; the copies alone in a folder and the runtimes
 * run the .ts file itself. The download is tested through a stubbed fetch(), since CI has no network.
 */
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { getHeapStatistics } from 'node:v8'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { transformSync } from 'esbuild'
import {
  Random, Value, configure, create_model, defaults, fixed, loss_picture, parse_flags, read_docs, settings, softmax,
  unique_chars, type Config, type Vec,
} from './microgpt.ts'

// ---- helpers ----------------------------------------------------------------------------------------------------
const MICROGPT = fileURLToPath(new URL('microgpt.ts', import.meta.url))
const NAMES = fileURLToPath(new URL('names.txt', import.meta.url))
const TSX = import.meta.resolve('tsx') // the loader that runs microgpt.ts in a child process, wherever its cwd is
const scratch = mkdtempSync(join(tmpdir(), 'microgpt-test-'))
const started: Promise<unknown>[] = [] // every child, so that the scratch folder outlives them all
after(async () => {
  for (let settled = 0; settled < started.length;) { // a child may start another as it ends
    settled = started.length
    await Promise.allSettled(started)
  }
  rmSync(scratch, { recursive: true, force: true })
})
const at = (name: string) => join(scratch, name)
// TypeScript as JavaScript: its types stripped, as tsx strips them in each run. Run by node alone, a child starts
// about 0.12 s of CPU sooner than under tsx, and there are some 80 children.
const strip = (code: string) => transformSync(code, { loader: 'ts', format: 'esm' }).code
// The program as most children run it: microgpt.ts stripped, with names.txt beside it
const BUILT = at('built/microgpt.mjs')
mkdirSync(at('built'))
writeFileSync(BUILT, strip(readFileSync(MICROGPT, 'utf8')))
symlinkSync(NAMES, at('built/names.txt'))
const file = (name: string, text: string) => {
  writeFileSync(at(name), text)
  return at(name)
}
const sha256 = (text: string | Buffer) => createHash('sha256').update(text).digest('hex')
const lines = (text: string) => text.split('\n')
// Samples as the program prints them: 'sample  1: kamon' gives 'kamon'
const samples = (stdout: string) => lines(stdout).filter(l => l.startsWith('sample')).map(l => l.slice(11))
const linux = process.platform === 'linux' // /proc refuses new files
const util_linux_script = /util-linux/.test(spawnSync('script', ['--version'], { encoding: 'utf8' }).stdout ?? '')
// A BOM, CRLF, a lone CR, a blank line, and white space that str.strip() removes (\u3000, \x85, \x1c, \u2003, \xa0)
const TEXT = '\ufeffzoë\r\n  José \r\nbjörn\rさくら\n\n\u3000李雷\u3000\r\n\x85emma\x1c\nolivia\t\n😀ana\n' +
  '\uff21nna\n \r\n\u2003noah\u2003\nmia\nzoë\nliam\r\nava\n\u00a0sofía\u00a0\nlucas\n'

// makemore's names.txt at commit 988aa59, the file that microgpt.py downloads (../shared/reference/README.md gives
// its SHA-256), and the address that microgpt.py downloads it from (names_url in microgpt.py)
const MAKEMORE = { sha256: '0a30b5557f192f32ab962680889aac5f6fda0f4cecf40a6d0b5694f58ea8cc4d',
  url: 'https://raw.githubusercontent.com/karpathy/makemore/988aa59/names.txt' }
// Stand-ins for fetch(), loaded with --import before microgpt.ts runs, since CI has no network. Each writes the URL
// that it was asked for to fetched.txt in the folder that the program runs in, then answers as its name says.
const STUB = Object.fromEntries(Object.entries({
  ok: `return new Response(readFileSync(${JSON.stringify(NAMES)}))`,
  http404: "return new Response('Not Found', { status: 404 })",
  offline: "throw new TypeError('fetch failed')",
  other: "return new Response('anna\\nbob\\n')",
  broken: "return new Response(new ReadableStream({ start(c) { c.error(new Error('connection reset')) } }))",
}).map(([name, answer]) => [name, file(`stub_${name}.mjs`, "import { readFileSync, writeFileSync } from 'node:fs'\n" +
  `globalThis.fetch = async url => {\n  writeFileSync('fetched.txt', String(url))\n  ${answer}\n}\n`)]))

// microgpt.py's whole stdout for each case in ../shared/reference (its README says how each was made): the SHA-256 of
// the output, then the first byte of each line's SHA-256, in base64, so that a run that differs is told the first line
// where it parts from microgpt.py. Made by hashing each .out file as twin() below hashes a run.
const GOLDEN: Record<string, [string, string]> = {
  default: ['afba81c45f1b2d6e4debeba6d37e27fa94484042b8d06a0abf7af224d2f6dd3f',
    '0+XneawbBQYgIjsZJy3URSTjjPLf8TPk79cSQ7btul8pZ4OkhYfpa55jywVJ+erTU20nOTrFOMLKXN/5uOr9HPh4LfzY0kfqwA4rVxtI' +
    'EUIwRTTRYCace3nVNKNYxKEM286dCyfcohXz4AyUXNeXJat+KBiiYGFYzH9wdX6SUfqIxBzxEdzzMNNiBaGUn9f5nFG6+OxwIVs2W9vH' +
    'I1DI8WO6iH/R9yzg+qY7hMTLWgI9wllg8H7/eRVIH7Db0HgrBawZqwy9uppswq0bQ2Mck7e8hOlTzR4CaJIu2E9C5RCFLe890QzVQfAb' +
    'bnodPdnCu2z8La6AAzYhloUjlQYOQyjcpnTQBxGQiC/XrKqtynoI/+aX+Es1fRRhvCV5uk15KJBuCsmlKvUQlvN9DJAJSSJkxoio7sn6' +
    'utqaJeCYOcU4+PZy4v6dC4dYTVaOVc6dGK6rprbQph61+Im+6Zabba2hdPk3v5+1qjd8+lHUw5SFrNKp81IrPtUgnlSPeg9c5V2ZRG2Y' +
    '1XRL0UvXheIKL19IOJ+piuWUgantp+KXkP0DM5QGo9GYNZtjiaIDnNWA1A0N+cbQEqXTY221KxrUFAKawSuMCwBkAs2IZvbmNJr4lG62' +
    'lqevwsoZ4R+5YvcctvuzEO7pz6BxR5utnNYVROfIUwrsBqlZrz0mFiMU9b+lG/N5dxMdCGVgU+Q6KOOQ75LIKjPc5vf4d0JITjnBcAl5' +
    '1KXVT7UUZBzUNLztaSiV+GukDAa8PhUUZyypAu43ULy0FywL67ihFH7bVfDxbMdRg10tbr0veJGzmW4HBG3ZP2f29kSAWI2dD323Z5Oc' +
    'bX1ofAcwI2DdGpHESGM3p0+cM6w0qKe58GG7SjORJKVDd7xXhyGmrka3Q/F36p/w/w+tMgK4lOB/lebvhmd+pVMo3Kik61+rZyrtAznX' +
    'wxnARl2cOvbFpu1iRIm0vXBEkCLqi2ESvYE7jVM+1MwK/kyBW5AW8FC8ZqZTQM8mMZdddu/7X6W/QAwSJYKYpIOXuAgcN1wNYByt8Hsd' +
    'yuESkHMvr+XKtc7j0SDn/n+cz/tNjrirXdrDivr2yp0xQ8LZTXFkW+cbg5HJiqw2IDuESUEEMPE7DrogaC6UKtZX6l6O7qDHTHU9n0GR' +
    'awsXULCagAXLYqG1ZUdkHh0ou0nsiVn54hoDqGqhTBoCYlfV6Qbk2LwGvtcp7xc4GZtWosHB/rLGWpNkMSLeS3lK55kFfrLYb+AzjIM5' +
    'Xq3UsvWNoNyLsH2zvJNAQVVcghaLh9Rc0dtsulksKAw0lySJOhn4WMAWTS98QLtyQR70doSsYkYWhffZTv0IJZbuWeOGHamaWbNsosTt' +
    'VclX2G9h4oi2eMHj'],
  quick: ['54500cb8eeae60516514bf1502d857e527de5f5fee5cfc2d6b02a03d4b6f6381',
    '0+Xnx5TedLnC6XxRv7LXpDMmbVRTq5Fnm6ivmIqVnabBByX8hESzXcPAAt0mphZ9G4FSodDjhvWexWsb4w=='],
  flags: ['43fc6d10e173ce81ff07611a01b5396d544384bbc24330ced1d92ff6325fbe95',
    '0+XiC2VzxNBMRonBn3q6k+0KIPDhD684VvPKhERKTLwV44bQzIWCLuM='],
  head3: ['6948849a640f8aabffccef8b584e7df85e2a5752abf38ca7f1993ad429b462e3',
    '0+XWY953Rk8kKp6hjHfy1EHT0NpMTaSChhbmdgZh1SAJoADUUEOnU27eloAi5mk39oY9fr1jtWeVUAi4wIUpbL16oz2vCw3XEI9hnATj' +
    'pCEVoKwshdGLuMghic3WYpB5+K0Ni05nASp8hl8ofWqOX4mNR/yunwM6he+TVPXKOUcFV4O1JOKHriY5z0I6PGhtsfbTpwgBYZio/WnC' +
    'L3cpnzlSN+jkOoGh/68jv925x27eC8DO0DrhWUR1MKCDSGOSI9SNfVMVSX6aTGRBwI+i8XeYKtsSpBof7/IPKaZ2HOEuLACKFMaWPqtm' +
    'jwlESiM6AmU6x3A/Vh8Dc1jQMUejNE2gNl6HPh95MuJSb6wJO/MOe0gCDrVmEyt+FeMg/S+ZqLpfso4eb5uj0AHYuonS44bihrCENbXY' +
    'ENJ22yVDQTPlXt0ENIhyUIQ/WNL92qfj'],
  width3: ['55e56dce5e24932ef80fde0b8e84b2842dddaa4913905977e41b405a24a2e7b3',
    '0+WfIMH84vCbMQRs22jUJWSwJFmIOcMCioyimlE5lUbD0T5StCxtbd5ncg2GSRVpQMMxQJm/QGwsmPX7SM1U8ePXD2VQWoVSUP+njfVl' +
    'ncY5jzENGKuU3Z2aASlYhxEEPRKoj0MaD+OGPtkrgiYoTRDj'],
  steps0: ['54bb3d990bfb2a48273a21c95be5a143930e3c66a3ee2f9d52fb0ef76df9933f',
    '0+Xn44bbBA7GApSMFv7MmBzlynS1MrwfJeM='],
  samples0: ['c5b7f647702adbecbb2fbfa35cb2db71d852ba5ec426193756c28756ec937ad6',
    '0+Xnn6EkHBU08AcNywVJP+lpy7vNN3DjhuM='],
  n_layer0: ['4a94c4b8afce9749b2b42f158aa97215376edd68cbfde072735f9d20804b0314',
    '0+VtiRWvprttN53+aa8f3Azxur+qOF6UwP10XLGps4bwaKln/SpYjmzCBTDdtIs4RxUSM18b1AkI3UopUZT2uxap7Kkr1fr+G1pB1xvi' +
    'y0cYKktM1O2kLgHBQcrdCP77sqW/g4RXp3WZVm7NOkQ0n5XZqLK7LC+I+konAOiE3VBlUsNuOXXiERiy07VF3xDMnAEd1Hnyf7obu/3t' +
    'PHAshb0EA1kYZXcyJDoilgNN9g/1xjh2Kgg6v4FMDWDjtUYlgJC89Q7AJv7NLuzjhoVPX/cfpeWDdMHj'],
  log0: ['6a96139d1046cd4b7694879a282658885d7c93b0d2a06ac816d57a82fbdf7d92',
    '0+XnpuM='],
  // Two more runs of microgpt.py, made the same way in a temporary folder. unicode: input.txt holding TEXT (below),
  // with `num_steps = 100` and `range(8)`. nan: names.txt, with `learning_rate, beta1, beta2, eps_adam = 1e300, ...`
  // and `num_steps = 3`; its loss is nan at step 3, and then random.choices raises ValueError('Total of weights must
  // be finite') with exit code 1.
  unicode: ['990c6347309c76158a4ac9f5e429ed9ccdb0ab4113c24b54c15104a9d02266de',
    '34OSXeQsjPU0vxjvQGqtOsEG+I1RoOmm4PRw8mVmckymQUfK++5gRcAx0iCoYMfesl9U7cGmxAyIVIEIQPt2HQbWAhwhWD0j6lD+TUAJokCz' +
    '5tPZtOLab50y6ZIn5rshWtMZkm5UruOG6gPZcep+6vTj'],
  nan: ['0f05ece4144be110e73dcc3106bfe6ee97661756668af61802c34266702141fa',
    '0+XndOLw44bj'],
}
// The twin claim's chaotic example in README.md: microgpt.py with `random.seed(123456789012345678901234567890)`,
// `n_layer = 3`, `n_embd = 24`, `n_head = 6`, `learning_rate, ... = 0.05, ...` and `num_steps = 200`, on names.txt. Its
// first 127 lines of stdout (to step 124) by SHA-256, each line with its newline, and its line for step 125.
const CHAOS = { first: 'bcd6080f2aa35cf56591747ed9d5b3a13d7ca9edc8be098a27a5238a529996f1',
  step125: 'step  125 /  200 | loss 2.7058' }
// The file's parts, in lines, measured between its fences as README.md counts them
function PARTS() {
  const all = lines(readFileSync(MICROGPT, 'utf8')), fence = (title: string) => all.findIndex(l => l.startsWith(title))
  const [one, a, b, entry] = ['// ---- 1)', '// ---- appendix A', '// ---- appendix B', '// ---- the entry point']
    .map(fence)
  return { header: one, algorithm: a - one, random: b - a, command_line: entry - b, entry: all.length - 1 - entry,
    file: all.length - 1 }
}
const line_bytes = (text: string) => Buffer.from(lines(text).map(l => createHash('sha256').update(l).digest()[0]))
// Asserts that stdout is microgpt.py's, byte for byte; if not, names the first line that differs
function twin(stdout: string, name: string) {
  const [hash, each_line] = GOLDEN[name]
  if (sha256(stdout) === hash) return
  const want = Buffer.from(each_line, 'base64'), got = line_bytes(stdout), out = lines(stdout)
  const i = got.findIndex((b, i) => b !== want[i])
  const where = i < 0 ? `after line ${got.length}: microgpt.py prints ${want.length} lines` : `at line ${i + 1}`
  const around = JSON.stringify(out.slice(Math.max(0, i - 1), i + 2))
  assert.fail(`${name}: stdout parts from microgpt.py's ${where}: ${around}`)
}

type Run = { status: number | null, stdout: string, stderr: string }
// Runs the program as a user would, with stdout and stderr piped. At most three run at once; each starts when it is
// asked for, so the slow ones are asked for first.
let running = 0
const waiting: (() => void)[] = []
function run(args: string[], cwd = scratch, command = [process.execPath, BUILT]): Promise<Run> {
  const child = start(args, cwd, command)
  started.push(child.catch(() => {}))
  return child
}
async function start(args: string[], cwd: string, command: string[]): Promise<Run> {
  if (running >= 3) await new Promise<void>(go => waiting.push(go))
  running++
  try {
    return await new Promise((done, fail) => {
      const child = spawn(command[0], [...command.slice(1), ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
      let stdout = '', stderr = ''
      child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d })
      child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d })
      child.on('error', fail)
      child.on('close', status => done({ status, stdout, stderr }))
    })
  } finally {
    running--
    waiting.shift()?.()
  }
}
// One line on stderr, a non-zero exit, nothing on stdout, no stack trace
function refused(r: Run, message: RegExp) {
  assert.equal(r.status, 1, r.stderr)
  assert.equal(r.stdout, '')
  assert.match(r.stderr, /^microgpt\.ts: [^\n]+\n$/)
  assert.match(r.stderr, message)
  assert.doesNotMatch(r.stderr, /\n\s+at /)
}
// The settings and documents that the command line would run with, or the line it would refuse them with
const settle = async (args: string[]) => configure(parse_flags(args))
// Asserts that the command line refuses these flags before anything runs, with this message
const refuses = (args: string[], message: RegExp) => assert.rejects(settle(args), { message })
// Runs an ES module's code in a child Node, which imports BUILT: for main() and the import itself
const run_module = (code: string) => run(['--input-type=module', '-e', code], scratch, [process.execPath])

// The children, asked for now so that they run while the in-process tests do, slowest first
const runs = {
  default: run(['--save', at('names-model.json')]), // as the README's walk-through saves it, whatever num_samples
  // a young generation of 128 MB changes no output, only the collector's work: 5 s of CPU here, not 15
  chaos: run(['--seed', '123456789012345678901234567890', '--n_layer', '3', '--n_embd', '24', '--n_head', '6',
    '--learning_rate', '0.05', '--num_steps', '200', '--num_samples', '0'], scratch,
  [process.execPath, '--max-semi-space-size=128', BUILT]),
  head3: run(['--seed', '7', '--num_steps', '300', '--n_embd', '12', '--n_head', '3', '--block_size', '5',
    '--temperature', '1.3', '--num_samples', '30']),
  n_layer0: run(['--n_layer', '0', '--num_steps', '200', '--num_samples', '10']),
  width3: run(['--n_embd', '12', '--n_head', '4', '--num_steps', '100', '--num_samples', '8', '--seed', '5']),
  unicode: run(['--input', file('unicode.txt', TEXT), '--num_steps', '100', '--num_samples', '8']),
  quick: run(['--num_steps', '50', '--num_samples', '5'], tmpdir()),
  flags: run(['--seed=1', '--num_steps', '30', '--n_layer=2', '--n_embd', '8', '--n_head=2', '--block_size', '8',
    '--learning_rate=0.02', '--temperature', '0.9', '--num_samples=5']),
  trained: run(['--num_steps', '30', '--num_samples', '8', '--save', at('kept.json')]),
  steps0: run(['--num_steps', '0']),
  samples0: run(['--num_steps', '20', '--num_samples', '0']),
  log0: run(['--seed', '3', '--learning_rate', '5', '--num_steps', '100']),
  nan: run(['--learning_rate', '1e300', '--num_steps', '3']),
  deep: run(['--n_layer', '1000', '--n_embd', '2', '--n_head', '1', '--block_size', '2', '--num_steps', '1',
    '--num_samples', '0']),
}

// ---- the stages -------------------------------------------------------------------------------------------------
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
  it('seeds wider than the state, 2^19968 and more, whose key is longer than 624 words', () => {
    // python3 -c "import random; random.seed(2**20000 + 7); print([random.random() for _ in range(3)])"
    const draws = (seed: bigint, n: number) => {
      const r = new Random(seed)
      return Array.from({ length: n }, () => r.random())
    }
    assert.deepEqual(draws(2n ** 20000n + 7n, 3), [0.37198756063326666, 0.13871584193726605, 0.3738317417404159])
    // python3 -c "import random; random.seed(-(2**19968) - 1); print([random.random() for _ in range(2)])"
    assert.deepEqual(draws(-(2n ** 19968n) - 1n, 2), [0.20803343434130195, 0.9866268791678816])
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
    // python3 -c "import random; random.choices([0, 1], weights=[1e308, 1e308])" raises ValueError: Total of weights
    // must be finite, and so does weights=[float('inf'), 1]
    assert.throws(() => new Random(1n).choices([1e308, 1e308]), /cannot sample: weights sum to Infinity/)
    assert.throws(() => new Random(1n).choices([Infinity, 1]), /cannot sample/)
  })
})

describe('dataset and tokenizer: lines and characters as Python sees them', () => {
  it('splits lines and strips them like [line.strip() for line in open(f) if line.strip()]', () => {
    // python3 -c "print([l.strip() for l in open('input.txt', encoding='utf-8') if l.strip()])", input.txt holding TEXT
    assert.deepEqual(read_docs(TEXT), ['\ufeffzoë', 'José', 'björn', 'さくら', '李雷', 'emma', 'olivia',
      '😀ana', 'Ａnna', 'noah', 'mia', 'zoë', 'liam', 'ava', 'sofía', 'lucas'])
  })
  it('strips the rarer white space too, and splits lines only where open() does', () => {
    // input.txt holding WS, then
    // python3 -c "print([l.strip() for l in open('input.txt', encoding='utf-8') if l.strip()])"
    const WS = 'ann\u202f\n\u1680bob\ncarl\u2028\n\u2029dan\neve\u205f\nfay\v\ngus\f\n\vhal\f\n'
    assert.deepEqual(read_docs(WS), ['ann', 'bob', 'carl', 'dan', 'eve', 'fay', 'gus', 'hal'])
    // \v, \f, \x1c to \x1e, \x85, U+2028 and U+2029 end a line for str.splitlines(), but not for open()
    assert.deepEqual(read_docs('a\vb\fc\x1cd\x85e\u2028f\u2029g\n'), ['a\vb\fc\x1cd\x85e\u2028f\u2029g'])
  })
  it('orders characters by code point, as sorted(set(...)) does, with U+FF21 before U+1F600', () => {
    // python3 -c "print(sorted(set(''.join(docs))))" for the docs above
    assert.deepEqual(unique_chars(read_docs(TEXT)), ['J', 'a', 'b', 'c', 'e', 'f', 'h', 'i', 'j', 'l', 'm', 'n', 'o',
      'r', 's', 'u', 'v', 'z', 'é', 'ë', 'í', 'ö', 'く', 'さ', 'ら', '李', '雷', '\ufeff', 'Ａ', '😀'])
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
    ['sum of terms', (a, b) => Value.sum([a, b, a.exp()], (x, i) => x.mul(b).sub(i)), 1.5, -2.25],
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
  it('refuses the log of 0 or less, as Python\'s math.log does', () => {
    assert.throws(() => new Value(0).log(), /math domain error: log\(0\)/)
    assert.throws(() => new Value(-1).log(), /math domain error: log\(-1\)/)
    assert.ok(Number.isNaN(new Value(NaN).log().data)) // math.log(nan) is nan, not an error
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
  // Python's sum(): 0 + t1 calls t1.__radd__(0), which is t1 + Value(0), and each later term is added to that
  const python_sum = (terms: Value[]) => terms.slice(1).reduce((total, t) => total.add(t), terms[0].add(0))
  it('Value.sum gives the gradients of Python\'s chain of additions, bit for bit, where terms get 2 at most', () => {
    // Three positions of a softmax over dot products that share their weights, as in microgpt: each exp reaches the
    // loss through the sum and through its own division, and each product through its dot product alone
    const build = (sum: (terms: Value[]) => Value) => {
      const r = new Random(11n), w = Array.from({ length: 24 }, () => new Value(r.gauss(0, 1)))
      const losses = [0, 1, 2].map(pos => {
        const x = Array.from({ length: 6 }, () => new Value(r.gauss(0, 1)))
        const logits = [0, 1, 2, 3].map(i => sum(x.map((xj, j) => w[6 * i + j].mul(xj))))
        const exps = logits.map(l => l.sub(Math.max(...logits.map(v => v.data))).exp())
        const total = sum(exps)
        return exps.map(e => e.div(total))[pos].log().neg()
      })
      const loss = sum(losses).mul(1 / 3)
      loss.backward()
      return [loss.data, ...w.map(wi => wi.grad)]
    }
    const ours = build(terms => Value.sum(terms)), python = build(python_sum)
    assert.deepEqual(ours, python)
    assert.ok(ours.slice(1).every(g => g !== 0))
  })
  it('where a term gets 3 contributions, Value.sum may add them in another order than Python: the last bit', () => {
    // microgpt.py's own Value class, run under CPython 3.11.7 on sum([x, x * y]) + x * z with x = 0.2 and
    // y = z = 0.1, gives x.grad 1.2, y.grad 0.2 and z.grad 0.2
    const python = [new Value(0.2), new Value(0.1), new Value(0.1)], ours = python.map(v => new Value(v.data))
    python_sum([python[0], python[0].mul(python[1])]).add(python[0].mul(python[2])).backward()
    Value.sum([ours[0], ours[0].mul(ours[1])]).add(ours[0].mul(ours[2])).backward()
    assert.deepEqual(python.map(v => v.grad), [1.2, 0.2, 0.2]) // the chain of additions gives Python's, bit for bit
    assert.deepEqual(ours.slice(1).map(v => v.grad), [0.2, 0.2])
    assert.ok(Math.abs(ours[0].grad - 1.2) <= 1.2 * 2 ** -52, `${ours[0].grad}`) // the same three, within an ulp
  })
  it('Value.sum keeps a list of its own: changing the array after the sum changes nothing, as with Python\'s', () => {
    const a = new Value(2), b = new Value(3), c = new Value(5), xs = [a, b]
    const plain = Value.sum(xs), mapped = Value.sum(xs, (x, i) => x.mul(i + 1)) // sum(x * (i + 1) for ...)
    xs.push(c)
    xs[0] = c
    plain.add(mapped).backward()
    assert.deepEqual([plain.data, mapped.data], [5, 2 * 1 + 3 * 2])
    assert.deepEqual([a.grad, b.grad, c.grad], [1 + 1, 1 + 2, 0])
  })
  it('walks a graph a thousand nodes deep, deeper than Python\'s recursion goes', () => {
    const x = new Value(0.5), c = new Value(1)
    let y = x
    for (let i = 0; i < 1000; i++) y = y.add(c)
    y.backward()
    assert.equal(x.grad, 1)
    assert.equal(c.grad, 1000)
  })
  it('a graph too deep for the recursion, from the command line: one line, exit code 1', async () => {
    // 1000 layers make build_topo() recurse 21,017 calls deep, counted here, with 2 positions as with 16, which
    // overflows Node's stack; microgpt.py's RecursionError comes far sooner, at 1,000
    const r = await runs.deep
    assert.equal(r.status, 1)
    assert.match(r.stderr, /^microgpt\.ts: the graph is too deep for backward\(\)\n$/)
  })
})

describe('the model: the loss gradient of every parameter against finite differences', () => {
  it('a 2-layer, 2-head GPT on a short document', () => {
    const config = { ...defaults, n_layer: 2, n_embd: 4, n_head: 2, block_size: 4 }
    const BOS = 3, tokens = [BOS, 0, 2, 1, BOS]
    const { params, gpt, kv_cache } = create_model(4, config, new Random(5n))
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

describe('flags: named after the variables, each of its kind', () => {
  it('reads each kind, in both spellings', () => {
    const given = parse_flags(['--seed=-7', '--n_layer', '0', '--n_embd=+32', '--learning_rate', '1e-3',
      '--temperature=.5', '--prefix', 'ma', '--num_steps', '007'])
    assert.deepEqual(given, { seed: -7n, n_layer: 0, n_embd: 32, learning_rate: 0.001,
      temperature: 0.5, prefix: 'ma', num_steps: 7 })
    assert.equal(parse_flags(['--seed', '123456789012345678901234567890']).seed, 123456789012345678901234567890n)
    assert.deepEqual(parse_flags(['--prefix=', '--save', 'm.json']), { prefix: '', save: 'm.json' })
  })
  it('reads a negative number after a space as the value, as Python\'s argparse does', () => {
    assert.deepEqual(parse_flags(['--seed', '-7', '--learning_rate', '-0.01', '--prefix', '-']),
      { seed: -7n, learning_rate: -0.01, prefix: '-' })
    assert.deepEqual(parse_flags(['--learning_rate', '-.5e-2']), { learning_rate: -0.005 })
  })
  const bad: [string, string[], RegExp][] = [
    ['an unknown flag', ['--verbose', '8'], /^unknown flag --verbose$/],
    ['a flag with no value', ['--seed'], /^--seed needs a value$/],
    ['a flag whose value is another flag', ['--prefix', '--save', 'm.json'], /^--prefix needs a value$/],
    ['a flag whose value is -h', ['--prefix', '-h'], /^--prefix needs a value$/],
    ['an argument that is not a flag', ['names.txt'], /^unknown flag names\.txt$/],
    ['a value for --help', ['--help=x'], /^unknown flag --help=x$/],
    ['a name that every object has', ['--toString', '1'], /^unknown flag --toString$/],
    ['another name that every object has', ['--constructor=1'], /^unknown flag --constructor=1$/],
    ['a malformed integer', ['--n_embd', 'sixteen'], /^--n_embd must be a size, 1 or more, not 'sixteen'$/],
    ['a fractional count', ['--n_layer=1.5'], /^--n_layer must be a count, 0 or more, not '1.5'$/],
    ['a fractional size', ['--block_size=1.5'], /^--block_size must be a size, 1 or more, not '1.5'$/],
    ['a size of 0', ['--block_size', '0'], /^--block_size must be a size, 1 or more, not '0'$/],
    ['no heads', ['--n_head', '0'], /^--n_head must be a size, 1 or more, not '0'$/],
    ['a width of 0', ['--n_embd=0'], /^--n_embd must be a size, 1 or more, not '0'$/],
    ['a negative count', ['--num_steps=-5'], /^--num_steps must be a count, 0 or more, not '-5'$/],
    ['a negative count after a space', ['--num_steps', '-5'], /^--num_steps must be a count, 0 or more, not '-5'$/],
    ['a negative n_layer', ['--n_layer=-1'], /^--n_layer must be a count, 0 or more, not '-1'$/],
    ['a count too large to be exact', ['--num_samples=12345678901234567890'], /must be a count/],
    ['a number too large to be finite', ['--learning_rate=1e400'], /^--learning_rate must be a number, not '1e400'$/],
    ['a malformed number', ['--learning_rate', '1e'], /^--learning_rate must be a number, not '1e'$/],
    ['a hexadecimal number', ['--num_steps', '0x10'], /^--num_steps must be a count, 0 or more, not '0x10'$/],
    ['a blank number', ['--learning_rate='], /^--learning_rate must be a number, not ''$/],
    ['a malformed seed', ['--seed', '4.2'], /^--seed must be an integer, not '4.2'$/],
    // microgpt.py cannot run a temperature of 0 (it divides by it), and runs one below 0 only by accident: the
    // least likely token becomes the favourite
    ['a temperature of 0', ['--temperature', '0'], /^--temperature must be a number above 0, not '0'$/],
    ['a negative temperature', ['--temperature=-0.5'], /^--temperature must be a number above 0, not '-0.5'$/],
    ['an infinite temperature', ['--temperature=1e999'], /^--temperature must be a number above 0/],
  ]
  for (const [name, args, message] of bad) {
    it(`refuses ${name}`, () => assert.throws(() => parse_flags(args), { message }))
  }
  it('names the flag that a typo meant: dashes for underscores, and any letter case', () => {
    const typos: [string, string][] = [['--num-steps', 'num_steps'], ['--N_EMBD', 'n_embd'],
      ['--Learning-Rate', 'learning_rate'], ['--block-size', 'block_size'], ['--SEED', 'seed']]
    for (const [typo, flag] of typos) {
      const message = `unknown flag ${typo}; did you mean --${flag}?`
      assert.throws(() => parse_flags(['--seed', '1', typo, '8']), { message })
    }
    const message = 'unknown flag --num-steps=5; did you mean --num_steps?'
    assert.throws(() => parse_flags(['--num-steps=5']), { message })
    // other typos get no guess, however long
    assert.throws(() => parse_flags(['--tempreture', '1']), { message: 'unknown flag --tempreture' })
    assert.throws(() => parse_flags([`--${'x'.repeat(100_000)}`, '1']), { message: /^unknown flag --x+$/ })
  })
  it('takes a count written 1e3, 1E3 or 16.0, and a learning rate of 0 or below, as microgpt.py runs it', () => {
    assert.deepEqual(parse_flags(['--num_steps', '1e3', '--n_embd', '16.0']), { num_steps: 1000, n_embd: 16 })
    assert.deepEqual(parse_flags(['--num_steps', '1E3', '--num_samples=2E+1']), { num_steps: 1000, num_samples: 20 })
    assert.deepEqual(parse_flags(['--learning_rate', '0', '--temperature', '2']), { learning_rate: 0, temperature: 2 })
    assert.deepEqual(parse_flags(['--learning_rate=-0.01']), { learning_rate: -0.01 }) // gradient ascent, but it runs
  })
  it('reads a flag by the kind declared beside its default, whatever the default is edited to', async () => {
    // A learner's edits: temperature 0.5 becomes 1, and learning_rate 0.01 becomes 1 (numbers that look like counts)
    const edited = readFileSync(MICROGPT, 'utf8')
      .replace("temperature: set('positive', 0.5,", "temperature: set('positive', 1,")
      .replace("learning_rate: set('number', 0.01,", "learning_rate: set('number', 1,")
    mkdirSync(at('edited'))
    writeFileSync(at('edited/microgpt.ts'), edited)
    writeFileSync(at('edited/microgpt.mjs'), strip(edited))
    writeFileSync(at('edited/names.txt'), 'anna\nbob\ncarl\n')
    const copy = await import(at('edited/microgpt.ts'))
    assert.deepEqual([copy.defaults.temperature, copy.defaults.learning_rate], [1, 1])
    assert.deepEqual(copy.parse_flags(['--temperature', '0.8', '--learning_rate', '0.05']),
      { temperature: 0.8, learning_rate: 0.05 })
    const r = await run(['--temperature', '0.8', '--learning_rate', '0.05', '--num_steps', '3', '--num_samples', '2'],
      scratch, [process.execPath, at('edited/microgpt.mjs')])
    assert.equal(r.status, 0, r.stderr)
    assert.equal(samples(r.stdout).length, 2)
  })
  it('takes the last of a repeated flag', () => {
    assert.deepEqual(parse_flags(['--num_steps', '5', '--num_steps=7']), { num_steps: 7 })
  })
  it('--help answers before any check of the input, and a start through a symlink runs the program', async () => {
    symlinkSync(BUILT, at('linked.mjs'))
    const r = await run(['--help', '--input', at('missing.txt')], scratch, [process.execPath, at('linked.mjs')])
    assert.equal(r.status, 0, r.stderr)
    assert.match(r.stdout, /^usage: node microgpt\.ts .*\n {2}--input /)
  })
  it('an error that is not about the flags comes without the usage, on one line whatever the path', async () => {
    refused(await run(['--input', at('missing\nfile.txt')]), /^microgpt\.ts: --input .*missing file\.txt: ENOENT/)
  })
  it('the README\'s table of flags says what --help says', () => {
    const readme = readFileSync(fileURLToPath(new URL('README.md', import.meta.url)), 'utf8')
    const cells = (row: string) => row.split(' | ').map(c => c.replace(/^\| |`| \|$/g, ''))
    const rows = lines(readme).filter(l => l.startsWith('| `--')).map(cells)
    assert.deepEqual(rows, Object.entries(settings).map(([k, s]) =>
      [`--${k}`, s.value === '' ? 'none' : String(s.value), s.what]))
  })
  it('a bad flag, from the command line: one line with the usage, exit code 1', async () => {
    refused(await run(['--num-steps', '8']),
      /unknown flag --num-steps; did you mean --num_steps\? \(usage: .*; --help lists the flags\)/)
  })
  it('--help and -h say what every flag does, and its default', async () => {
    const [{ status, stdout }, short] = await Promise.all([run(['--help']), run(['--num_steps', 'x', '-h'])])
    assert.equal(status, 0)
    assert.deepEqual([short.status, short.stdout], [0, stdout])
    for (const [name, value] of Object.entries(defaults)) {
      const line = lines(stdout).find(l => l.startsWith(`  --${name} `)) ?? ''
      assert.match(line, /^ {2}--\w+ +\S.{15,}/, `--${name} has a description`)
      assert.doesNotMatch(line, /undefined/)
      if (value !== '') assert.ok(line.endsWith(` (default: ${value})`), line)
    }
  })
})

describe('settings: what microgpt.py cannot run is refused before anything is built', () => {
  const blank = file('blank.txt', '\n  \r\n\t\n'), empty = file('empty.txt', '')
  const latin1 = at('latin1.txt'), surrogate = at('surrogate.txt')
  symlinkSync(at('mine.txt'), at('mine_link.txt'))
  writeFileSync(latin1, Buffer.from('anna\njos\xe9\n', 'latin1'))
  writeFileSync(surrogate, Buffer.from([0x61, 0x0a, 0xed, 0xa0, 0x80, 0x0a])) // U+D800, which Python's UTF-8 refuses
  const bad: [string, string[], RegExp][] = [
    ['n_embd not divisible by n_head', ['--n_embd', '10', '--n_head', '4'], /^n_head 4 must divide n_embd 10$/],
    ['a missing input file', ['--input', at('missing.txt')], /^--input .*missing\.txt: ENOENT: no such file/],
    ['an input that is a folder', ['--input', scratch], /^--input .*: EISDIR/],
    ['a save over the input', ['--input', file('mine.txt', 'anna\nbob\n'), '--save', at('mine.txt')],
      /that is the input$/],
    ['an empty file', ['--input', empty], /^.*empty\.txt has no documents: every line is blank$/],
    // python3 microgpt.py on such an input.txt stops with UnicodeDecodeError before it prints anything
    ['an input that is not UTF-8 (Latin-1)', ['--input', latin1], /^--input .*latin1\.txt: not UTF-8 text$/],
    ['an input with a UTF-8-encoded surrogate', ['--input', surrogate], /surrogate\.txt: not UTF-8 text$/],
    ['a file of blank lines', ['--input', blank], /has no documents/],
    // Sizes whose weights, or one step's graph, cannot fit in the heap: refused at once, not after minutes
    // (each needs over 100 GB, more than any heap that these tests meet)
    ['a width that cannot fit in memory', ['--n_embd', '100000'],
      /^these sizes need [\d.]+ GB, and the heap holds [\d.]+ GB$/],
    ['a context that cannot fit in memory', ['--block_size', '10000000'], /^these sizes need [\d.]+ GB/],
    ['a depth that cannot fit in memory', ['--n_layer', '100000'], /^these sizes need [\d.]+ GB/],
    ['a prefix character the input lacks', ['--prefix', 'kZ'], /names\.txt has no "Z"$/],
    ['a prefix as long as block_size', ['--prefix', 'anna', '--block_size', '4'], /^--prefix must be under 4 long$/],
    ['an emoji prefix as long as block_size, in code points', ['--input', at('unicode.txt'), '--prefix', '😀😀😀',
      '--block_size', '3'], /^--prefix must be under 3 long$/],
    ['a save onto the input through a symlink', ['--input', at('mine.txt'), '--save', at('mine_link.txt')],
      /^--save .*mine_link\.txt: that is the input$/],
  ]
  for (const [name, args, message] of bad) it(`refuses ${name}`, () => refuses(args, message))
  it('takes a prefix one shorter than block_size, counted in code points', async () => {
    assert.equal((await settle(['--prefix', 'annabel', '--block_size', '8'])).config.prefix, 'annabel')
    const emoji = await settle(['--input', at('unicode.txt'), '--prefix', '😀😀', '--block_size', '3'])
    assert.equal(emoji.config.prefix, '😀😀')
  })
  it('runs large sizes that fit, in a heap of 1 GB or more', async () => {
    // at most 0.37 GB each, by the estimate in configure()
    assert.equal((await settle(['--n_embd', '64'])).config.n_embd, 64)
    assert.equal((await settle(['--block_size', '64', '--n_layer', '4'])).config.block_size, 64)
    assert.equal((await settle(['--n_layer', '30'])).config.n_layer, 30)
  })
  it('counts a step\'s positions up to block_size only, however long the lines', async () => {
    // 3,000 letters a line, at block_size 16: each step reads 16 tokens, so it fits. Counted as 3,001 positions,
    // the estimate would be over 40 GB.
    const long = file('long_lines.txt', Array.from({ length: 4 }, (_, i) => 'abcd'[i].repeat(3000)).join('\n'))
    const { config, docs } = await settle(['--input', long])
    assert.deepEqual([config.block_size, docs.length], [16, 4])
  })
  it('in a heap of 300 MB, 24 layers of the default width train and 32 are refused at once', async () => {
    // Measured here: with --max-old-space-size=256 (a heap limit of 304 MB on Node 20, and 352 MB on Node 26, whose
    // young generation is larger), 31 layers train and 32 run out of memory. So the estimate lets 24 through
    // (0.27 GB) and refuses 32 (0.36 GB), before anything is printed.
    const small_heap = [process.execPath, '--max-old-space-size=256', BUILT]
    const args = ['--num_steps', '2', '--num_samples', '1']
    const [fits, refused_at_once] = await Promise.all([run(['--n_layer', '24', ...args], scratch, small_heap),
      run(['--n_layer', '32', ...args], scratch, small_heap)])
    assert.equal(fits.status, 0, fits.stderr)
    assert.match(fits.stdout, /^step {4}2 \/ {4}2 \| loss /m)
    refused(refused_at_once, /^microgpt\.ts: these sizes need 0\.4 GB, and the heap holds 0\.3 GB\n$/)
  })
  it('a bad input file, from the command line: one line, exit code 1', async () => {
    refused(await run(['--input', at('missing.txt')]), /ENOENT: no such file or directory/)
    refused(await run(['--input', latin1]), /latin1\.txt: not UTF-8 text\n/)
  })
  it('sizes that cannot fit, from the command line: refused at once', async () => {
    refused(await run(['--n_embd', '100000']), /these sizes need [\d.]+ GB, and the heap/)
  })
})

describe('the program, run as a user would: stdout is microgpt.py\'s, byte for byte', () => {
  it('the default run equals microgpt.py\'s default-run.out', async () => {
    // microgpt.py with no variables changed, on names.txt: the run in Karpathy's blog post
    const { status, stdout } = await runs.default
    assert.equal(status, 0)
    const out = lines(stdout)
    assert.deepEqual(out.slice(0, 4), ['num docs: 32033', 'vocab size: 27', 'num params: 4192',
      'step    1 / 1000 | loss 3.3660'])
    assert.equal(out[1002], 'step 1000 / 1000 | loss 2.6497')
    assert.deepEqual(samples(stdout), ['kamon', 'ann', 'karai', 'jaire', 'vialan', 'karia', 'yeran', 'anna', 'areli',
      'kaina', 'konna', 'keylen', 'liole', 'alerin', 'earan', 'lenne', 'kana', 'lara', 'alela', 'anton'])
    twin(stdout, 'default')
  })
  it('--num_steps 50 --num_samples 5 equals quick-run.out, from any folder; stderr has the rest', async () => {
    // microgpt.py with num_steps = 50 and range(5) samples
    const { status, stdout, stderr } = await runs.quick
    assert.equal(status, 0)
    assert.deepEqual(samples(stdout), ['jog', 'jnai', 'yiolaa', 'jiaye', 'yoaeaa'])
    twin(stdout, 'quick')
    // the loss picture and the time go to stderr, so that stdout stays microgpt.py's
    assert.match(stderr, /^loss \d\.\d\d [▁▂▃▄▅▆▇█]{20} \d\.\d\d {3}\(the mean of each twentieth of the steps\)\n/)
    assert.match(stderr, /\)\ntrained 50 steps and sampled in \d+ ms\n$/)
  })
  it('every other flag, in both spellings, equals flags-run.out', async () => {
    // microgpt.py with seed 1, n_layer 2, n_embd 8, n_head 2, block_size 8, learning_rate 0.02, num_steps 30,
    // temperature 0.9 and range(5) samples
    const { status, stdout } = await runs.flags
    assert.equal(status, 0)
    assert.deepEqual(lines(stdout).slice(2, 4), ['num params: 2032', 'step    1 /   30 | loss 3.1777'])
    twin(stdout, 'flags')
  })
  it('three heads of width 4, a context cut to 5 tokens and a temperature above 1', async () => {
    // microgpt.py with seed 7, n_embd 12, n_head 3, block_size 5, num_steps 300, temperature 1.3, range(30) samples
    const { status, stdout } = await runs.head3
    assert.equal(status, 0)
    assert.deepEqual(lines(stdout).slice(302, 309), ['step  300 /  300 | loss 3.2768', '',
      '--- inference (new, hallucinated names) ---', 'sample  1: ajesi', 'sample  2: ngyyn', 'sample  3: chene',
      'sample  4: atagh'])
    twin(stdout, 'head3')
  })
  it('four heads of width 3, so that attention scales by the irrational sqrt(3)', async () => {
    // microgpt.py with seed 5, n_embd 12, n_head 4, num_steps 100 and range(8) samples
    const { status, stdout } = await runs.width3
    assert.equal(status, 0)
    assert.deepEqual(lines(stdout).slice(102, 107), ['step  100 /  100 | loss 3.1300', '',
      '--- inference (new, hallucinated names) ---', 'sample  1: maiey', 'sample  2: eetae'])
    twin(stdout, 'width3')
  })
  it('a UTF-8 file with a BOM, CRLF and CR lines, odd white space, accents, CJK and an emoji', async () => {
    // microgpt.py with num_steps 100 and range(8) samples, its input.txt holding TEXT in UTF-8
    const { status, stdout } = await runs.unicode
    assert.equal(status, 0)
    assert.deepEqual(lines(stdout).slice(0, 3), ['num docs: 16', 'vocab size: 31', 'num params: 4320'])
    assert.deepEqual(samples(stdout), ['Ａna', 'noa', '雷', 'zoë', 'lia', 'eana', 'lia', 'さくら'])
    twin(stdout, 'unicode')
  })
  it('prints a NaN loss as nan, and stops where microgpt.py stops: weights that are not finite cannot be sampled',
    async () => {
      const { status, stdout, stderr } = await runs.nan
      assert.deepEqual(lines(stdout).slice(5, 8), ['step    3 /    3 | loss nan', '',
        '--- inference (new, hallucinated names) ---'])
      twin(stdout, 'nan')
      assert.equal(status, 1)
      assert.equal(stderr, 'microgpt.ts: cannot sample: weights sum to NaN\n')
    })
  it('stops where microgpt.py stops: a probability of 0 has no log', async () => {
    // microgpt.py with seed 3, learning_rate 5 and num_steps 100 prints these lines, then dies in step 2 with
    // "ValueError: math domain error" from math.log(0)
    const { status, stdout, stderr } = await runs.log0
    assert.equal(stdout, 'num docs: 32033\nvocab size: 27\nnum params: 4192\nstep    1 /  100 | loss 3.2543\n')
    twin(stdout, 'log0')
    assert.equal(status, 1)
    assert.match(stderr, /^microgpt\.ts: math domain error: log\(0\)[^\n]*\n$/)
  })
  // The three runs below: microgpt.py with only the named lines changed, e.g. `num_steps = 1000` became
  // `num_steps = 0` and `for sample_idx in range(20):` became `for sample_idx in range(0):`
  it('--num_steps 0 samples from the untrained model, as microgpt.py does', async () => {
    // microgpt.py with num_steps = 0
    const { status, stdout, stderr } = await runs.steps0
    assert.equal(status, 0)
    assert.deepEqual(lines(stdout).slice(0, 6), ['num docs: 32033', 'vocab size: 27', 'num params: 4192', '',
      '--- inference (new, hallucinated names) ---', 'sample  1: orgzqpdlw'])
    assert.equal(lines(stdout).at(-2), 'sample 20: nuodbiuuwtqlomco')
    twin(stdout, 'steps0')
    assert.match(stderr, /^trained 0 steps/) // no steps, no loss picture
  })
  it('--num_samples 0 trains and prints no samples', async () => {
    // microgpt.py with num_steps = 20 and range(0) samples
    const { status, stdout } = await runs.samples0
    assert.equal(status, 0)
    assert.deepEqual(lines(stdout).slice(-4), ['step   20 /   20 | loss 2.7749', '',
      '--- inference (new, hallucinated names) ---', ''])
    twin(stdout, 'samples0')
  })
  it('--n_layer 0: embeddings straight to lm_head, no transformer block', async () => {
    // microgpt.py with n_layer = 0, num_steps = 200 and range(10) samples
    const { status, stdout } = await runs.n_layer0
    assert.equal(status, 0)
    assert.deepEqual(lines(stdout).slice(2, 4), ['num params: 1120', 'step    1 /  200 | loss 3.3577'])
    assert.deepEqual(lines(stdout).slice(-4, -1), ['sample  8: aree', 'sample  9: iarn', 'sample 10: jelll'])
    twin(stdout, 'n_layer0')
  })
  it('on a terminal, rewrites the step line in place with \\r, and draws the loss after the samples',
    { skip: !util_linux_script && 'needs util-linux script(1), which gives the program a terminal' }, async () => {
      const argv = [process.execPath, BUILT, '--num_steps', '3', '--num_samples', '1']
      const r = await run(['-qec', argv.map(a => `'${a}'`).join(' '), '/dev/null'], scratch, ['script'])
      assert.equal(r.status, 0, r.stderr)
      const screen = r.stdout.replaceAll('\r\n', '\n') // the terminal turns each \n into \r\n
      assert.match(screen, /loss \d\.\d{4}\rstep {4}2 \/ {4}3 \| loss \d\.\d{4}\rstep {4}3 /)
      assert.match(screen, /\nsample {2}1: [^\n]*\nloss \d\.\d\d [▁▂▃▄▅▆▇█]{3} \d\.\d\d .*\ntrained 3 /)
    })
  it('names each default again in sections 1 to 3, where microgpt.py sets it, within the layout\'s budget', () => {
    const source = readFileSync(MICROGPT, 'utf8')
    const algorithm = source.slice(source.indexOf('// ---- 1)'), source.indexOf('// ---- appendix A'))
    const d = defaults
    const sizes = `${d.n_layer}, ${d.n_embd}, ${d.block_size} and ${d.n_head} in microgpt.py`
    for (const text of [`random.seed(${d.seed})`, sizes,
      `learning_rate ${d.learning_rate}`, `num_steps ${d.num_steps}`, `num_samples ${d.num_samples}`,
      `// ${d.temperature}: under 1`]) assert.ok(algorithm.includes(text), text)
    const part = PARTS()
    const within = part.header <= 15 && part.algorithm <= 260 && part.random <= 100 && part.command_line <= 190
    assert.ok(within && part.file <= 565, JSON.stringify(part))
    assert.deepEqual(lines(source).filter(l => l.length > 100), [])
  })
  it('section 3 is microgpt.py\'s script: no --save in it, and at most 6 lines for --load and the loss picture', () => {
    const source = readFileSync(MICROGPT, 'utf8')
    const script = lines(source.slice(source.indexOf('// ---- 3)'), source.indexOf('// ---- appendix A')))
    assert.deepEqual(script.filter(l => /save/i.test(l)), [])
    const hooks = script.filter(l => /config\.(uchars|weights)|loss_history/.test(l))
    assert.ok(hooks.length <= 6, hooks.join('\n'))
  })
  it('importing the file trains nothing', async () => {
    const code = `const m = await import(${JSON.stringify(BUILT)}); console.log(Object.keys(m).sort().join(' '))`
    const r = await run_module(code)
    const names = 'Random Value configure create_model defaults dot fixed linear loss_picture main parse_flags ' +
      'read_docs rmsnorm save_model settings softmax unique_chars'
    assert.equal(r.stdout, `${names}\n`)
  })
  it('the README\'s chaotic example: microgpt.py\'s lines to step 124, and a digit apart at step 125', async () => {
    const { status, stdout } = await runs.chaos
    assert.equal(status, 0)
    const out = lines(stdout)
    assert.equal(sha256(out.slice(0, 127).map(l => `${l}\n`).join('')), CHAOS.first)
    assert.equal(out[127], 'step  125 /  200 | loss 2.7057') // microgpt.py prints CHAOS.step125, 2.7058
    assert.notEqual(out[127], CHAOS.step125)
    const readme = readFileSync(fileURLToPath(new URL('README.md', import.meta.url)), 'utf8')
    assert.match(readme, /--num_steps 200` parts at step 125, where microgpt\.py prints 2\.7058 and this 2\.7057/)
  })
})

describe('keeping a model: --save, --load and --prefix', () => {
  const model = at('kept.json')
  mkdirSync(at('elsewhere'))
  // --load alone, in a folder without names.txt, from a copy of microgpt.ts with no names.txt beside it either, and
  // with fetch() stubbed to fail: the input is neither read nor downloaded. It saves the model again, and then saves
  // that copy onto itself.
  mkdirSync(at('alone'))
  writeFileSync(at('alone/microgpt.ts'), readFileSync(MICROGPT))
  const offline = [process.execPath, '--import', TSX, '--import', STUB.offline, at('alone/microgpt.ts')]
  const alone = runs.trained.then(() => run(['--load', model, '--num_samples', '8', '--save', at('again.json')],
    at('elsewhere'), offline))
  const onto_itself = alone.then(() => run(['--load', at('again.json'), '--num_samples', '0', '--save',
    at('again.json')], at('elsewhere'), offline))
  const reseeded = runs.trained.then(() => run(['--load', model, '--num_samples', '8', '--seed', '7', '--save',
    at('reseeded.json')]))
  const more = runs.trained.then(() => run(['--load', model, '--num_steps', '1', '--num_samples', '0']))
  const small = run(['--n_layer', '2', '--n_embd', '8', '--n_head', '2', '--block_size', '8', '--num_steps', '3',
    '--num_samples', '0', '--save', at('small.json')])
  const small_loaded = small.then(() => run(['--load', at('small.json'), '--num_samples', '3']))
  const mar = run(['--seed', '5', '--num_steps', '0', '--num_samples', '6', '--prefix', 'mar'])
  const straight = run(['--num_steps', '30', '--num_samples', '5'])
  const resumed = run(['--num_steps', '0', '--num_samples', '0', '--save', at('init.json')]).then(() =>
    run(['--load', at('init.json'), '--num_steps', '30', '--num_samples', '5']))
  const steered = runs.trained.then(() => run(['--load', model, '--num_samples', '4', '--prefix', 'ma']))
  const seed7 = run(['--seed', '7', '--num_steps', '5', '--num_samples', '6', '--save', at('seed7.json')])
  const seed7_loaded = seed7.then(() => run(['--load', at('seed7.json'), '--num_samples', '6'], at('elsewhere')))

  it('--save writes the format, the seed, the number of documents, the characters, the sizes and every matrix',
    async () => {
      const trained = await runs.trained
      assert.equal(trained.status, 0, trained.stderr)
      const m = JSON.parse(readFileSync(model, 'utf8'))
      assert.deepEqual(Object.keys(m), ['format', 'version', 'seed', 'num_docs', 'uchars', 'n_layer', 'n_embd',
        'n_head', 'block_size', 'state_dict'])
      assert.deepEqual([m.format, m.version, m.seed, m.num_docs], ['microgpt.ts model', 2, '42', 32033])
      assert.equal(m.uchars.join(''), 'abcdefghijklmnopqrstuvwxyz')
      assert.deepEqual([m.n_layer, m.n_embd, m.n_head, m.block_size], [1, 16, 4, 16])
      assert.deepEqual(Object.keys(m.state_dict), ['wte', 'wpe', 'lm_head', 'layer0.attn_wq', 'layer0.attn_wk',
        'layer0.attn_wv', 'layer0.attn_wo', 'layer0.mlp_fc1', 'layer0.mlp_fc2'])
      assert.equal(m.state_dict.wte.length, 27)
      assert.equal(m.state_dict.wte[0].length, 16)
      assert.equal(Object.values(m.state_dict).flat(2).length, 4192)
      assert.deepEqual(readdirSync(scratch).filter(f => f.startsWith('kept.json.')), []) // no temporary file is left
    })
  it('--load alone, anywhere, samples exactly what the saving run sampled, with no input and no training',
    async () => {
      const trained = await runs.trained, { status, stdout, stderr } = await alone
      assert.equal(status, 0, stderr)
      assert.deepEqual(samples(stdout), samples(trained.stdout))
      // the saving run's stdout, but for the step lines: the same header, the same samples
      assert.equal(stdout, trained.stdout.replace(/^step .*\n/gm, ''))
      assert.match(stderr, /^trained 0 steps/)
      // so the loaded weights made the difference: the untrained model samples other names
      assert.notDeepEqual(samples((await runs.steps0).stdout).slice(0, 8), samples(trained.stdout))
      const again = readFileSync(at('again.json'), 'utf8'), itself = await onto_itself
      assert.equal(itself.status, 0, itself.stderr)
      assert.equal(readFileSync(at('again.json'), 'utf8'), again)
      assert.deepEqual(readdirSync(at('alone')), ['microgpt.ts']) // no names.txt was fetched
      assert.deepEqual(readdirSync(at('elsewhere')), [])
    })
  it('--save writes every weight so that --load reads it back bit for bit', async () => {
    // main() itself, given weights that a short decimal would round (0.1 + 0.2, 1 / 3, subnormals, the largest double)
    // and full-precision normal draws, with 0 steps, then save_model(): what it saves, and what --load then reads, are
    // those weights
    const code = `const { main, save_model, defaults, Random } = await import(${JSON.stringify(BUILT)})
      const r = new Random(11), odd = [0.1 + 0.2, 1 / 3, -Math.PI, 5e-324, -1e-310, 1.7976931348623157e308]
      const weights = [...odd, ...Array.from({ length: 3424 - odd.length }, () => r.gauss(0, 0.08))]
      const config = { ...defaults, num_steps: 0, num_samples: 0, save: ${JSON.stringify(at('exact.json'))},
        uchars: ['a', 'b'], weights }
      const { uchars, state_dict } = main(config, ['ab'])
      save_model(config, 1, uchars, state_dict)
      console.error(JSON.stringify(weights))`
    const r = await run_module(code)
    assert.equal(r.status, 0, r.stderr)
    const given: number[] = JSON.parse(r.stderr)
    const saved = JSON.parse(readFileSync(at('exact.json'), 'utf8'))
    const written: number[] = Object.values(saved.state_dict).flat(2) as number[]
    assert.equal(written.length, 3424) // vocab 3, the default sizes
    assert.ok(written.every((w, i) => Object.is(w, given[i])), 'a weight was written other than it was')
    const loaded = (await settle(['--load', at('exact.json')])).config.weights!
    assert.equal(loaded.length, 3424)
    assert.ok(loaded.every((w, i) => Object.is(w, given[i])), 'a weight was read other than it was written')
    assert.equal((await alone).status, 0) // and a saved file, loaded and saved again, is the same file
    assert.equal(readFileSync(at('again.json'), 'utf8'), readFileSync(model, 'utf8'))
  })
  it('--load alone keeps the seed of the saving run, whatever it was', async () => {
    const saving = await seed7, loading = await seed7_loaded
    assert.equal(loading.status, 0, loading.stderr)
    assert.equal(JSON.parse(readFileSync(at('seed7.json'), 'utf8')).seed, '7')
    assert.deepEqual(samples(loading.stdout), samples(saving.stdout))
    assert.notDeepEqual(samples(saving.stdout), samples((await runs.trained).stdout).slice(0, 6))
  })
  it('--save refuses weights that went to Infinity, not only NaN', async () => {
    // main() itself, given weights that are all Infinity and 0 steps, then save_model(): it must refuse them
    const code = `const { main, save_model, defaults } = await import(${JSON.stringify(BUILT)})
      const weights = Array(3424).fill(Infinity), save = ${JSON.stringify(at('infinite_save.json'))}
      const config = { ...defaults, num_steps: 0, num_samples: 0, save, uchars: ['a', 'b'], weights }
      const { state_dict } = main(config, ['ab'])
      try { save_model(config, 1, ['a', 'b'], state_dict) } catch (e) { console.error(e.message) }`
    const r = await run_module(code)
    assert.match(r.stderr, /^--save .*infinite_save\.json: not saved: training diverged\n$/)
    assert.throws(() => statSync(at('infinite_save.json')), /ENOENT/)
  })
  it('--load with --seed draws anew: the same model, other samples', async () => {
    const { status, stdout, stderr } = await reseeded
    assert.equal(status, 0, stderr)
    assert.equal(samples(stdout).length, 8)
    assert.notDeepEqual(samples(stdout), samples((await runs.trained).stdout))
    // the same model: saved again, it has the same weights under the new seed
    const before = JSON.parse(readFileSync(model, 'utf8'))
    const after = JSON.parse(readFileSync(at('reseeded.json'), 'utf8'))
    assert.deepEqual([after.seed, after.state_dict], ['7', before.state_dict])
  })
  it('--load with steps trains on from the saved weights, on the input', async () => {
    const { stdout, stderr } = await more
    assert.match(stdout, /^num docs: 32033\n/, stderr) // it read the input
    // Step 1's loss, computed here from the file's weights on the first name that the file's seed shuffles to the front
    const { config, docs } = await settle(['--load', model, '--num_steps', '1'])
    const random = new Random(config.seed)
    random.shuffle(docs)
    const uchars = config.uchars!, BOS = uchars.length
    const { params, gpt, kv_cache } = create_model(BOS + 1, config, random)
    params.forEach((p, i) => { p.data = config.weights![i] })
    const tokens = [BOS, ...Array.from(docs[0], ch => uchars.indexOf(ch)), BOS], n = tokens.length - 1
    const keys = kv_cache(), values = kv_cache(), losses: Vec = []
    for (let pos = 0; pos < n; pos++) {
      losses.push(softmax(gpt(tokens[pos], pos, keys, values))[tokens[pos + 1]].log().neg())
    }
    const loss = Value.sum(losses).mul(1 / n).data
    assert.equal(lines(stdout)[3], `step    1 /    1 | loss ${fixed(loss, 4)}`)
    assert.ok(loss < 3.3660) // below the untrained model's on the same name: step 1 of microgpt.py's default run
  })
  it('--load of a model saved at step 0, then 30 steps: the very run of 30 steps, as Adam starts afresh', async () => {
    const [a, b] = await Promise.all([straight, resumed])
    assert.equal(a.status, 0, a.stderr)
    assert.equal(b.status, 0, b.stderr)
    assert.equal(b.stdout, a.stdout)
  })
  it('--load with --prefix: the saved model, steered', async () => {
    const { status, stdout, stderr } = await steered
    assert.equal(status, 0, stderr)
    assert.equal(samples(stdout).length, 4)
    for (const name of samples(stdout)) assert.match(name, /^ma[a-z]*$/)
  })
  it('--load takes the sizes from the file, and a flag that agrees with them is fine', async () => {
    assert.equal((await small).status, 0)
    const { status, stdout, stderr } = await small_loaded
    assert.equal(status, 0, stderr)
    assert.equal(lines(stdout)[2], 'num params: 2032') // as in flags-run.out, the same sizes
    const { config } = await settle(['--load', at('small.json')]) // sizes that only the file gives
    assert.deepEqual([config.n_layer, config.n_embd, config.n_head, config.block_size], [2, 8, 2, 8])
    assert.equal((await settle(['--load', at('small.json'), '--n_embd', '8'])).config.n_embd, 8)
  })
  it('--prefix starts every sample with its text, read through gpt() without drawing', async () => {
    // The rule, written out: feed BOS and the prefix, then draw each next token until BOS
    const c = { ...defaults, seed: 5n, prefix: 'mar', num_steps: 0 }
    const random = new Random(c.seed)
    const docs = read_docs(readFileSync(NAMES, 'utf8'))
    random.shuffle(docs)
    const uchars = unique_chars(docs), BOS = uchars.length
    const { gpt, kv_cache } = create_model(uchars.length + 1, c, random)
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
    const { status, stdout } = await mar
    assert.equal(status, 0)
    assert.deepEqual(samples(stdout), want)
    for (const name of samples(stdout)) assert.match(name, /^mar[a-z]*$/)
  })
  it('a save that fails leaves the file that was there; a save that works replaces it whole', async () => {
    mkdirSync(at('saves'))
    const path = file('saves/keep.json', 'the old model\n')
    const diverged = await run(['--learning_rate', '1e300', '--num_steps', '3', '--num_samples', '0', '--save', path])
    assert.equal(diverged.status, 1)
    assert.match(diverged.stderr, /microgpt\.ts: --save .*keep\.json: not saved: training diverged\n$/)
    assert.equal(readFileSync(path, 'utf8'), 'the old model\n')
    // with samples, the run stops where microgpt.py stops, in random.choices, before anything is saved
    const sampled = await run(['--learning_rate', '1e300', '--num_steps', '3', '--num_samples', '1', '--save', path])
    assert.equal(sampled.stderr, 'microgpt.ts: cannot sample: weights sum to NaN\n')
    assert.equal(readFileSync(path, 'utf8'), 'the old model\n')
    const old_file = statSync(path).ino
    assert.equal((await run(['--num_steps', '2', '--num_samples', '0', '--save', path])).status, 0)
    assert.notEqual(statSync(path).ino, old_file) // a new file renamed into place, not the old one rewritten
    assert.equal(JSON.parse(readFileSync(path, 'utf8')).format, 'microgpt.ts model')
    assert.deepEqual(readdirSync(at('saves')), ['keep.json']) // no temporary file is left behind
  })

  // Bad model files: broken copies of the saved model, each refused in one line that names the file
  const broken = (name: string, edit: (m: any) => unknown) => runs.trained.then(() =>
    writeFileSync(at(name), JSON.stringify(edit(JSON.parse(readFileSync(model, 'utf8'))))))
  const made = Promise.all([
    broken('short.json', m => ({ ...m, state_dict: { ...m.state_dict, wte: m.state_dict.wte.slice(1) } })),
    broken('moved.json', m => { m.state_dict.wpe.push(m.state_dict.wte.pop()); return m }), // as many weights
    broken('huge.json', m => ({ ...m, n_embd: 100_000 })), // sizes far beyond its matrices
    broken('text.json', m => { m.state_dict.wpe[3][5] = '0.5'; return m }),
    broken('null_weight.json', m => { m.state_dict.lm_head[0][0] = null; return m }), // as JSON writes NaN
    broken('renamed.json', m => ({ ...m, state_dict: { ...m.state_dict, lm_head: undefined,
      head: m.state_dict.lm_head } })),
    broken('extra.json', m => ({ ...m, state_dict: { ...m.state_dict, layer1: m.state_dict.wpe } })),
    broken('no_chars.json', m => ({ ...m, uchars: undefined })),
    broken('unordered.json', m => ({ ...m, uchars: [...m.uchars].reverse() })),
    broken('no_size.json', m => ({ ...m, n_head: 0 })),
    broken('no_layers.json', m => ({ ...m, n_layer: undefined })),
    broken('twice.json', m => ({ ...m, uchars: ['a', ...m.uchars] })),
    broken('pair.json', m => ({ ...m, uchars: ['ab', ...m.uchars.slice(2)] })),
    broken('number_char.json', m => ({ ...m, uchars: [1, ...m.uchars.slice(1)] })),
    broken('text_size.json', m => ({ ...m, n_embd: 'sixteen' })),
    broken('no_docs.json', m => ({ ...m, num_docs: 'many' })),
    broken('bad_seed.json', m => ({ ...m, seed: '4.2' })),
    broken('old.json', m => ({ ...m, version: 1 })),
    broken('many_docs.json', m => ({ ...m, num_docs: 2 ** 28 })), // more blanks to shuffle than fit
    broken('zero_docs.json', m => ({ ...m, num_docs: 0 })),
    broken('minus_docs.json', m => ({ ...m, num_docs: -5 })),
    broken('half_docs.json', m => ({ ...m, num_docs: 2.5 })),
    broken('extra_key.json', m => ({ ...m, comment: 'mine' })),
    broken('no_version.json', m => ({ ...m, version: undefined })),
    broken('seed_number.json', m => ({ ...m, seed: 42 })),
    broken('seed_zero.json', m => ({ ...m, seed: '042' })),
    broken('size_text.json', m => ({ ...m, n_embd: '16' })),
    broken('no_state.json', m => ({ ...m, state_dict: undefined })),
    broken('reordered.json', m => ({ ...m, state_dict: { wpe: m.state_dict.wpe, ...m.state_dict } })),
    runs.trained.then(() => writeFileSync(at('null.json'), 'null')),
    runs.trained.then(() => { // a matrix nested 100,000 deep, more than JSON.stringify() can write
      const m = JSON.parse(readFileSync(model, 'utf8'))
      m.state_dict.wte = 'deep'
      writeFileSync(at('deep.json'), JSON.stringify(m).replace('"deep"', `${'['.repeat(1e5)}0${']'.repeat(1e5)}`))
    }),
    runs.trained.then(() => writeFileSync(at('array.json'), JSON.stringify([readFileSync(model, 'utf8')]))),
    // JSON.parse reads 1e400 as Infinity, which JSON.stringify cannot write back
    runs.trained.then(() => writeFileSync(at('infinite.json'),
      readFileSync(model, 'utf8').replace(/("wpe":\[\[)[^,]+/, '$11e400'))),
    run(['--input', file('abc.txt', 'abc\ncab\n'), '--num_steps', '1', '--num_samples', '0', '--save', at('abc.json')]),
  ])
  const bad: [string, string[], RegExp][] = [
    ['a missing file', ['missing.json'], /^--load .*missing\.json: ENOENT: no such file/],
    ['a folder', [''], /^--load .*: EISDIR/],
    ['a file that is not JSON', ['weights.txt'], /^--load .*weights\.txt: .*is not valid JSON/],
    ['JSON that is not a model', ['other.json'], /^--load .*other\.json: not a model that --save wrote$/],
    ['a model of another version', ['old.json'], /old\.json: not a model that --save wrote$/],
    ['a model without its version', ['no_version.json'], /no_version\.json: not a model that --save wrote$/],
    ['a model file that holds null', ['null.json'], /null\.json: not a model that --save wrote$/],
    ['a model file that holds an array', ['array.json'], /array\.json: not a model that --save wrote$/],
    ['a model file that is not UTF-8', ['latin1.json'], /^--load .*latin1\.json: not UTF-8 text$/],
    ['a model with a size of 0', ['no_size.json'], /^--load .*no_size\.json: --n_head must be a size, 1 or more/],
    ['a model with a size that is text', ['text_size.json'],
      /text_size\.json: --n_embd must be a size, 1 or more, not 'sixteen'$/],
    ['a model without a size', ['no_layers.json'], /no_layers\.json: --n_layer must be a count.* not 'undefined'$/],
    ['a model with a seed of 4.2', ['bad_seed.json'], /bad_seed\.json: --seed must be an integer, not '4\.2'$/],
    ['a model with 2^28 documents', ['many_docs.json'], /many_docs\.json: its num_docs must be a count .*268435456$/],
    ['a model with no documents', ['zero_docs.json'], /zero_docs\.json: its num_docs must be a count .* 0$/],
    ['a model with -5 documents', ['minus_docs.json'], /minus_docs\.json: its num_docs must be a count .* -5$/],
    ['a model with 2.5 documents', ['half_docs.json'], /half_docs\.json: its num_docs must be a count .* 2\.5$/],
    ['a model without a count of documents', ['no_docs.json'], /no_docs\.json: its num_docs must be a count .*"many"$/],
    ['a model without its characters', ['no_chars.json'], /no_chars\.json: its uchars must be characters, sorted,/],
    ['a model whose characters are out of order', ['unordered.json'], /unordered\.json: its uchars must be/],
    ['a model with a character twice', ['twice.json'], /twice\.json: its uchars must be characters, sorted, each once/],
    ['a model with two letters as one character', ['pair.json'], /pair\.json: its uchars must be characters/],
    ['a model with a number for a character', ['number_char.json'], /number_char\.json: its uchars must be/],
    ['a prefix character that the loaded model lacks', ['kept.json', '--prefix', 'mZ'], /kept\.json has no "Z"$/],
    ['a model trained on with an input of other characters', ['abc.json', '--num_steps', '1'],
      /abc\.json has no "defghijklmnopqrstuvwxyz"$/],
    ['sizes far larger than the matrices', ['huge.json'], /^these sizes need [\d.]+ GB, and the heap/],
    ['a model without its state_dict', ['no_state.json'], /no_state\.json: its state_dict does not have the shapes/],
    ['a model whose matrices come in another order', ['reordered.json'], /reordered\.json: its state_dict does not/],
    ['a matrix with a row missing', ['short.json'], /^--load .*short\.json: its state_dict does not have the shapes/],
    ['a matrix of the wrong shape', ['moved.json'], /moved\.json: its state_dict does not have the shapes that its/],
    ['a matrix under another name', ['renamed.json'], /renamed\.json: its state_dict does not have the shapes/],
    ['a matrix too many', ['extra.json'], /extra\.json: its state_dict does not have the shapes that its sizes give$/],
    ['a weight that is not a number', ['text.json'], /text\.json: its weights must be finite numbers$/],
    ['a weight too large to be finite', ['infinite.json'], /infinite\.json: its weights must be finite numbers$/],
    ['a weight that is null', ['null_weight.json'], /null_weight\.json: its weights must be finite numbers$/],
    ['a matrix nested 100,000 deep', ['deep.json'], /^--load .*deep\.json: its weights must be finite numbers$/],
  ]
  file('weights.txt', 'weights: 1, 2, 3\n')
  writeFileSync(at('latin1.json'), Buffer.from('{"format": "microgpt.ts model", "uchars": ["\xe9"]}', 'latin1'))
  file('other.json', '{"wte": []}')
  for (const [name, [path, ...flags], message] of bad) {
    it(`--load refuses ${name}`, async () => {
      await made
      await refuses(['--load', at(path), ...flags], message)
    })
  }
  it('--load reads the sizes and the seed as the flags are read, and lets be the keys it does not use', async () => {
    await made
    const read = async (path: string) => (await settle(['--load', at(path)])).config
    assert.equal((await read('seed_number.json')).seed, 42n)
    assert.equal((await read('seed_zero.json')).seed, 42n)
    assert.equal((await read('size_text.json')).n_embd, 16)
    assert.equal((await read('extra_key.json')).n_embd, 16)
  })
  it('--load with steps trains on an input whose characters the model knows, even only some of them', async () => {
    await made
    const { config, docs } = await settle(['--load', model, '--num_steps', '1', '--input', at('abc.txt')])
    assert.deepEqual([config.num_steps, docs.length, config.uchars?.length], [1, 2, 26])
  })
  it('--load refuses a size flag that contradicts the model', async () => {
    await runs.trained
    await refuses(['--load', model, '--n_embd', '8'], /^--n_embd contradicts .*: it has 16$/)
    await refuses(['--load', model, '--n_layer', '2'], /^--n_layer contradicts .*: it has 1$/)
    await refuses(['--load', model, '--block_size', '8'], /^--block_size contradicts/)
    await refuses(['--load', model, '--n_head', '2'], /^--n_head contradicts .*: it has 4$/)
  })
  it('a save whose write or rename fails after the trial leaves nothing behind, and says why in one line', async () => {
    // save_model() itself, so that no trial write comes first: a folder that is not there, and a path that is a folder
    mkdirSync(at('full/inside'), { recursive: true })
    const code = `const { save_model, defaults } = await import(${JSON.stringify(BUILT)})
      for (const save of ${JSON.stringify([at('gone/m.json'), at('full')])}) {
        try { save_model({ ...defaults, save }, 1, ['a'], {}) } catch (e) { console.error(e.message) }
      }`
    const r = await run_module(code)
    assert.match(r.stderr, /^--save .*gone.m\.json: ENOENT[^\n]*\n--save .*full: E(ISDIR|NOTEMPTY|EXIST)[^\n]*\n$/)
    assert.deepEqual(readdirSync(scratch).filter(f => f.startsWith('full.')), []) // the temporary file is gone
    assert.deepEqual(readdirSync(at('full')), ['inside'])
  })
  it('a bad model, from the command line: one line, exit code 1, before anything is printed', async () => {
    refused(await run(['--load', at('weights.txt')]), /--load .*weights\.txt: .*is not valid JSON/)
  })

  // Saving: a path that cannot take the model is refused before training, not after
  const bad_saves: [string, string, RegExp][] = [
    ['into a folder that does not exist', at('nowhere/m.json'), /^--save .*nowhere.m\.json: ENOENT/],
    ['under a file', at('weights.txt/m.json'), /^--save .*weights\.txt.m\.json: ENOTDIR/],
    ['onto a folder', scratch, /^--save .*: that is a folder$/],
  ]
  for (const [name, path, message] of bad_saves) {
    it(`--save refuses a path ${name}`, () => refuses(['--save', path], message))
  }
  it('--save tries the folder before training: /proc takes no file, even from root', { skip: !linux && 'needs /proc' },
    async () => {
      // the error's code varies with the sandbox (ENOENT, EACCES, EPERM): any error, named, will do
      await refuses(['--save', '/proc/m.json'], /^--save \/proc\/m\.json: E[A-Z]+/)
      refused(await run(['--save', '/proc/m.json']), /--save \/proc\/m\.json: E[A-Z]+/) // nothing trained or printed
    })
})

describe('a lone copy, with no names.txt beside it, downloads makemore\'s, as microgpt.py does', () => {
  // A copy of microgpt.ts alone in a folder, run there with a stubbed fetch()
  const lone = (name: string, stub: string, args: string[]) => {
    mkdirSync(at(name))
    writeFileSync(at(`${name}/microgpt.ts`), readFileSync(MICROGPT))
    return run(args, at(name), [process.execPath, '--import', TSX, '--import', stub, at(`${name}/microgpt.ts`)])
  }
  const fetched = lone('lone_ok', STUB.ok, ['--num_steps', '50', '--num_samples', '5'])
  const failures: [string, string, string, RegExp][] = [
    ['offline', 'lone_offline', STUB.offline, /could not be fetched \(fetch failed\)/],
    ['an HTTP error', 'lone_404', STUB.http404, /answered HTTP 404/],
    ['a file that is not makemore\'s', 'lone_other', STUB.other, /sent a file whose SHA-256 is not 0a30b5/],
    ['a download that breaks off', 'lone_broken', STUB.broken, /names\.txt connection reset;/],
  ]
  const failed = failures.map(([, folder, stub]) => lone(folder, stub, []))
  const explicit = lone('lone_explicit', STUB.ok, ['--input', 'names.txt'])
  it('fetches names.txt, checks its SHA-256, keeps it beside the file, says so on stderr, and runs', async () => {
    const { status, stdout, stderr } = await fetched
    assert.equal(status, 0, stderr)
    twin(stdout, 'quick')
    assert.equal(readFileSync(at('lone_ok/fetched.txt'), 'utf8'), MAKEMORE.url)
    assert.equal(sha256(readFileSync(at('lone_ok/names.txt'))), MAKEMORE.sha256)
    assert.equal(lines(stderr)[0], `microgpt.ts: downloaded ${MAKEMORE.url} to ${at('lone_ok/names.txt')}`)
    assert.deepEqual(readdirSync(at('lone_ok')).sort(), ['fetched.txt', 'microgpt.ts', 'names.txt'])
  })
  failures.forEach(([name, folder, , why], i) => {
    it(`${name}: one line that names the address and suggests --input, and nothing left behind`, async () => {
      const r = await failed[i]
      refused(r, /^microgpt\.ts: \S+names\.txt is missing, and https:\S+988aa59\/names\.txt .*; try --input\n$/)
      assert.match(r.stderr, why)
      assert.deepEqual(readdirSync(at(folder)).sort(), ['fetched.txt', 'microgpt.ts'])
    })
  })
  it('never fetches for an --input that is given, even one named names.txt', async () => {
    refused(await explicit, /^microgpt\.ts: --input names\.txt: ENOENT/)
    assert.deepEqual(readdirSync(at('lone_explicit')), ['microgpt.ts'])
  })
  it('names.txt here is makemore\'s, so a fresh clone needs no download', () => {
    assert.equal(sha256(readFileSync(NAMES)), MAKEMORE.sha256)
  })
})

describe('pieces that rip out whole: cut from microgpt.ts, pasted alone into a file, they run', () => {
  const source = readFileSync(MICROGPT, 'utf8')
  // A piece's text, from the line where `from` starts to the first line after it that is `end` alone
  const piece = (from: string, end: string) => {
    const start = source.indexOf(from), stop = source.indexOf(`\n${end}\n`, start)
    assert.ok(start >= 0 && stop > start, from)
    return source.slice(start, stop + end.length + 2)
  }
  const value = piece('/** Autograd: a scalar that remembers how it was made', '}')
  const model = source.slice(source.indexOf('// ---- 2)'), source.indexOf('// ---- 3)')) // all of section 2
  const random = piece('/** Python\'s random.Random', '}')
  // sections 1 to 3 with appendix A: microgpt.py's whole script, with no name of appendix B
  const script = source.slice(source.indexOf('// ---- 1)'), source.indexOf('// ---- appendix B'))
  mkdirSync(at('pieces'))
  writeFileSync(at('pieces/package.json'), '{"type": "module"}')
  // Lines that use each piece and print what they compute; each runs twice: after the piece alone, and after an
  // import of the same names from microgpt.ts (its stripped copy, BUILT), and the two must print the same
  const use_value = `const a = new Value(0.5), b = new Value(-1.5), c = new Value(2), terms = [a.mul(b), a.exp()]
    const y = Value.sum([a.mul(b), a.exp(), b.relu(), a.pow(3).div(b), a.sub(b).neg(), a.log(), a.div(4).sub(1)])
    const s = Value.sum(terms)
    terms.push(c) // after the sum: as with Python's sum(), it changes nothing
    y.backward()
    s.backward()
    let refused = ''
    try { new Value(0).log() } catch (e) { refused = (e as Error).message }
    console.log(JSON.stringify([y.data, a.grad, b.grad, s.data, c.grad, refused]))`
  const use_model = `let n = 0
    const { params, gpt, kv_cache } = create_model(5, { n_layer: 1, n_embd: 8, block_size: 4, n_head: 2 },
      { gauss: (mu: number, sigma: number) => mu + sigma * Math.sin(++n) })
    const keys = kv_cache(), values = kv_cache(), tokens = [4, 0, 2, 1]
    const losses = [0, 1, 2].map(pos => softmax(gpt(tokens[pos], pos, keys, values))[tokens[pos + 1]].log().neg())
    const loss = Value.sum(losses)
    loss.backward()
    console.log(JSON.stringify([loss.data, ...params.map(p => p.grad)]))`
  const use_random = 'const r = new Random(42)\nconsole.log(JSON.stringify([r.random(), r.random(), r.random()]))'
  const use_script = `const docs = read_docs('emma\\nolivia\\nava\\nmia\\nzoe\\n')
    const settings = { seed: 3, n_layer: 1, n_embd: 8, block_size: 8, n_head: 2, learning_rate: 0.05,
      num_steps: 20, temperature: 0.8, num_samples: 4, prefix: '' }
    const { uchars, state_dict, loss_history } = main(settings, docs)
    console.log(JSON.stringify([uchars.join(''), Object.keys(state_dict).length, loss_history.length]))`
  const imports = (names: string) => `import { ${names} } from ${JSON.stringify(BUILT)}\n`
  const scripts: [string, string, string][] = [['value', value, use_value],
    ['model', `${value}\n${model}`, use_model], ['random', random, use_random], ['script', script, use_script]]
  const runs_of: Record<string, Promise<Run>[]> = {}
  for (const [name, code, use] of scripts) {
    writeFileSync(at(`pieces/${name}.ts`), `${code}\n${use}\n`) // for tsc, below
    writeFileSync(at(`pieces/${name}.mjs`), strip(`${code}\n${use}\n`))
    const names = 'Value, Random, create_model, softmax, main, read_docs'
    writeFileSync(at(`pieces/${name}_imported.mjs`), strip(`${imports(names)}${use}\n`))
    runs_of[name] = [name, `${name}_imported`].map(f => run([at(`pieces/${f}.mjs`)], at('pieces'), [process.execPath]))
  }
  const both = async (name: string) => {
    const [alone, imported] = await Promise.all(runs_of[name])
    assert.equal(alone.status, 0, alone.stderr)
    assert.equal(imported.status, 0, imported.stderr)
    assert.equal(alone.stdout, imported.stdout)
    return JSON.parse(lines(alone.stdout).at(-2)!)
  }
  // tsc under strict, on the four pieces alone: each brings every name that it uses
  const TSC = fileURLToPath(new URL('node_modules/typescript/bin/tsc', import.meta.url))
  const TYPES = fileURLToPath(new URL('node_modules/@types', import.meta.url))
  const checked = run(['--strict', '--noEmit', '--target', 'es2022', '--module', 'nodenext', '--typeRoots', TYPES,
    '--types', 'node', ...['value', 'model', 'random', 'script'].map(n => at(`pieces/${n}.ts`))], at('pieces'),
  [process.execPath, TSC])

  it('Value alone is a whole autograd: every op, backward(), log(0) refused, a sum that keeps its terms', async () => {
    const got = await both('value')
    assert.equal(got[4], 0) // the term pushed after the sum has no gradient from it
    assert.match(got[5], /^math domain error: log\(0\)/)
  })
  it('Value and section 2 alone are a whole model: the loss backpropagates to the weights', async () => {
    const got: number[] = await both('model')
    assert.ok(got.slice(1).filter(g => g !== 0).length > 100) // most weights take part in these three tokens
  })
  it('Random alone is Python\'s generator', async () => {
    // the three draws after seed(42) that CPython printed (the random stage, above)
    assert.deepEqual(await both('random'), [0.6394267984578837, 0.025010755222666936, 0.27502931836911926])
  })
  it('sections 1 to 3 with appendix A are microgpt.py\'s script: they train and sample, given settings and docs',
    async () => {
      assert.deepEqual(await both('script'), ['aeilmovz', 9, 20])
      const [alone] = await Promise.all(runs_of.script)
      assert.match(alone.stdout, /^num docs: 5\nvocab size: 9\nnum params: \d+\nstep {4}1 \/ {3}20 \| loss /)
      assert.equal(samples(alone.stdout).length, 4)
    })
  it('each piece type-checks alone under strict', async () => {
    const r = await checked
    assert.equal(r.status, 0, r.stdout + r.stderr)
  })
})

describe('runtimes: each one in the README\'s table prints microgpt.py\'s quick run', () => {
  // tsx on this Node runs every other test. A runtime that is not here is skipped, with the reason.
  const found = (command: string) => spawnSync(command, ['--version']).status === 0
  const [major, minor] = process.versions.node.split('.').map(Number)
  const strips = major > 22 || (major === 22 && minor >= 18)
  const runtimes: [string, string[], string | false][] = [
    ['node, stripping the types itself', [process.execPath, MICROGPT],
      !strips && `Node ${process.versions.node} does not strip types; 22.18 and later do`],
    ['bun', ['bun', MICROGPT], !found('bun') && 'bun is not on the PATH'],
    ['deno run --allow-read', ['deno', 'run', '--allow-read', MICROGPT], !found('deno') && 'deno is not on the PATH'],
  ]
  for (const [name, command, skip] of runtimes) {
    it(name, { skip }, async () => {
      const { status, stdout, stderr } = await run(['--num_steps', '50', '--num_samples', '5'], tmpdir(), command)
      assert.equal(status, 0, stderr)
      twin(stdout, 'quick')
    })
  }
  it('deno without --allow-write refuses --save before training', { skip: !found('deno') && 'deno is not on the PATH' },
    async () => {
      const r = await run(['--save', at('deno.json')], scratch, ['deno', 'run', '--allow-read', MICROGPT])
      refused(r, /^microgpt\.ts: --save .*deno\.json: .*--allow-write/)
    })
})

describe('the loss picture, on stderr: the mean of each twentieth of the steps as a bar', () => {
  it('draws 20 bars, from the lowest mean to the highest, and the first and last means in numbers', () => {
    // 40 steps: bar i is the mean of steps 2i and 2i + 1; the means fall from 3 to 1.1, with a bump at bar 5
    const losses = Array.from({ length: 40 }, (_, s) => 3 - 0.05 * s + (s === 10 ? 4 : 0))
    const means = Array.from({ length: 20 }, (_, i) => (losses[2 * i] + losses[2 * i + 1]) / 2)
    const m = /^loss (\S+) (\S{20}) (\S+) {3}\(the mean of each twentieth of the steps\)$/
      .exec(loss_picture(losses))
    assert.ok(m, loss_picture(losses))
    assert.equal(m[1], fixed(means[0], 2))
    assert.equal(m[3], fixed(means[19], 2))
    assert.equal(m[2][5], '█') // the highest mean, the bump
    assert.equal(m[2][19], '▁') // the lowest
    assert.equal(m[2][0], '▅') // 2.975 is 0.56 of the way from 1.075 to 4.475: round(0.56 * 7) = 4
  })
  it('counts every step when 20 does not divide their number: 50 steps, the last bar of 3', () => {
    // bar i covers steps floor(50 i / 20) to floor(50 (i + 1) / 20) - 1: two or three steps, the last 47 to 49
    const losses = Array.from({ length: 50 }, (_, s) => (s === 49 ? 100 : 2))
    assert.equal(loss_picture(losses), `loss 2.00 ${'▁'.repeat(19)}█ 34.67   (the mean of each twentieth of the steps)`)
  })
  it('draws one bar a step under 20 steps, a flat line at mid height, and a NaN as ?', () => {
    assert.equal(loss_picture([3, 2, 1]), 'loss 3.00 █▅▁ 1.00   (each step)')
    assert.equal(loss_picture([2, 2, 2, 2]), 'loss 2.00 ▄▄▄▄ 2.00   (each step)')
    assert.equal(loss_picture([3, NaN, 1]), 'loss 3.00 █?▁ 1.00   (each step)')
    assert.equal(loss_picture([NaN, NaN]), 'loss nan ?? nan   (each step)')
  })
})

describe('README.md: what it shows is what the program prints', () => {
  const readme = readFileSync(fileURLToPath(new URL('README.md', import.meta.url)), 'utf8')
  const block = (after: string) => { // the first fenced block after a heading or a phrase
    const start = readme.indexOf('```', readme.indexOf(after)), body = readme.indexOf('\n', start) + 1
    return lines(readme.slice(body, readme.indexOf('```', body) - 1))
  }
  const steer = readme.match(/^\$ npx tsx microgpt\.ts (--load names-model\.json .*)$/m)?.[1].split(' ') ?? []
  const steered = runs.default.then(() => run(steer, scratch)) // names-model.json: the default run's --save
  it('the default run, as "What you will see" shows it', async () => {
    const { stdout, stderr } = await runs.default
    const shown = block('## What you will see'), out = lines(stdout)
    let at_line = -1 // each line shown, but for '...', is a later line of the run than the one before it
    for (const line of shown.slice(0, -2).filter(l => l !== '...')) {
      at_line = out.indexOf(line, at_line + 1)
      assert.ok(at_line >= 0, line)
    }
    assert.equal(shown.at(-2), lines(stderr)[0]) // the loss picture
    assert.match(shown.at(-1)!, /^trained 1000 steps and sampled in \d+ ms$/)
    assert.match(lines(stderr)[1], /^trained 1000 steps and sampled in \d+ ms$/)
  })
  it('the --prefix example, on the model that step 1 of the walk-through saves', async () => {
    assert.deepEqual(steer, ['--load', 'names-model.json', '--num_samples', '3', '--prefix', 'ma', '--temperature',
      '0.8'])
    const { status, stdout, stderr } = await steered
    assert.equal(status, 0, stderr)
    const example = readme.slice(readme.indexOf('$ npx tsx microgpt.ts --load'))
    const shown = lines(example.slice(0, example.indexOf('```'))).filter(l => l.startsWith('sample'))
    assert.deepEqual(shown, lines(stdout).filter(l => l.startsWith('sample')))
    assert.equal(shown.length, 3)
  })
  it('the file\'s parts, and their lines', () => {
    const row = (name: string) => Number(readme.match(new RegExp(`^\\| ${name} \\| (\\d+) \\|`, 'm'))?.[1])
    const part = PARTS()
    assert.deepEqual([row('header'), row('1\\) to 3\\), the algorithm'), row('appendix A'),
      row('appendix B'), row('the entry point'), row('the whole file')],
    [part.header, part.algorithm, part.random, part.command_line, part.entry, part.file])
  })
})
