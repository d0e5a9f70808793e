/**
 * bench.ts: times whole runs of microgpt.ts, each in a process of its own.
 *
 *   npm run bench                                  5 runs of `npx tsx microgpt.ts` (1000 steps)
 *   npm run bench -- --runs 9 --cmd "bun microgpt.ts --num_steps 100"
 *   npm run bench -- --python path/to/microgpt.py  also time CPython, and compare the stdouts
 *   npm run bench -- --vs "npx tsx ../old/microgpt.ts"  paired runs against another version
 *
 * It prints the median, minimum and maximum wall time, ms per training step (over the steps that
 * the run reports on stderr), and peak RSS (the largest resident set of any one process of the
 * run, read from /proc, so Linux only). --cmd and --vs are split as a shell splits words, so
 * "--prefix 'ma ri'" stays one argument. With --python it runs that microgpt.py unmodified in a
 * temporary folder, with the input copied in as input.txt. With --vs it runs the two commands in
 * turn, A B A B, so that a noisy machine slows both alike, and prints the median of the per-pair
 * ratios (this one's time over the other's) and whether the two stdouts are identical.
 */
import { spawn } from 'node:child_process'
import { copyFileSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const here = dirname(fileURLToPath(import.meta.url))
const { values: flags } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    cmd: { type: 'string', default: 'npx tsx microgpt.ts' },
    input: { type: 'string', default: join(here, 'names.txt') },
    python: { type: 'string' },
    'python-runs': { type: 'string', default: '1' },
    vs: { type: 'string' },
  },
})
const count = (name: 'runs' | 'python-runs') => {
  const n = Number(flags[name])
  if (Number.isInteger(n) && n >= 1) return n
  console.error(`bench.ts: --${name} must be a whole number of 1 or more, not '${flags[name]}'`)
  process.exit(1)
}
const RUNS = count('runs')
const PYTHON_RUNS = count('python-runs')

// A command's words, as a shell splits them: quotes keep spaces, and a backslash keeps any
// character outside single quotes
function words(cmd: string): string[] {
  const found: string[] = []
  let word: string | null = null // the word being read, if any
  for (const m of cmd.matchAll(/'([^']*)'|"((?:\\.|[^"\\])*)"|\\(.)|(\s+)|([^\s'"\\]+)/gs)) {
    if (m[4] !== undefined) { // white space ends a word
      if (word !== null) found.push(word)
      word = null
    } else {
      word = (word ?? '') + (m[1] ?? m[2]?.replace(/\\(.)/gs, '$1') ?? m[3] ?? m[5])
    }
  }
  if (word !== null) found.push(word)
  return found
}

type Run = { seconds: number, peak_mb: number, steps: number, stdout: string, stderr: string }

// The largest VmHWM (peak resident set) among a process and its descendants, while they run
function peak_kb(pid: number): number {
  let peak = 0
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    peak = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0)
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8')
      for (const child of children.split(' ').filter(Boolean)) {
        peak = Math.max(peak, peak_kb(Number(child)))
      }
    }
  } catch { /* the process has ended, or this is not Linux */ }
  return peak
}

function time(argv: string[], cwd: string): Promise<Run> {
  return new Promise((done, fail) => {
    const start = performance.now()
    const child = spawn(argv[0], argv.slice(1), { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    let peak = 0
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d })
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d })
    const poll = setInterval(() => { peak = Math.max(peak, peak_kb(child.pid!)) }, 20)
    child.on('error', fail)
    child.on('close', status => {
      clearInterval(poll)
      const seconds = (performance.now() - start) / 1000
      if (status !== 0) return fail(new Error(`${argv.join(' ')} failed:\n${stderr}`))
      // microgpt.ts says how many steps it trained; microgpt.py prints a line for each
      const said = /trained (\d+) steps/.exec(stderr)?.[1]
      const steps = Number(said ?? stdout.split(/[\r\n]/).filter(l => l.startsWith('step ')).length)
      done({ seconds, peak_mb: peak / 1024, steps, stdout, stderr })
    })
  })
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]
const f = (x: number) => x.toFixed(2)
function report(name: string, runs: Run[]): number {
  const s = runs.map(r => r.seconds)
  const peak = median(runs.map(r => r.peak_mb))
  const steps = runs[0].steps
  const per_step = steps ? `${f(median(s) * 1000 / steps)} ms/step over ${steps} steps` : 'no steps'
  console.log(`${name}: median ${f(median(s))} s, min ${f(Math.min(...s))} s, ` +
    `max ${f(Math.max(...s))} s over ${runs.length} runs; ${per_step} (whole process); ` +
    `peak RSS ${peak ? `${peak.toFixed(0)} MB` : 'n/a'}`)
  return median(s)
}

async function timed_run(cmd: string, label: string): Promise<Run> {
  const run = await time([...words(cmd), '--input', resolve(flags.input)], here)
  const said = run.stderr.trim().split('\n').at(-1) // microgpt.ts's own timing line
  console.error(`  ${label}: ${f(run.seconds)} s, ${run.peak_mb.toFixed(0)} MB; ${said}`)
  return run
}

const cpu = cpus()[0]?.model ?? 'unknown CPU'
console.log(`machine: ${cpus().length} x ${cpu}, node ${process.version}`)
const ts: Run[] = []
const other: Run[] = []
for (let i = 0; i < RUNS; i++) {
  ts.push(await timed_run(flags.cmd, `run ${i + 1}`))
  if (flags.vs) other.push(await timed_run(flags.vs, `vs run ${i + 1}`))
}
const ts_median = report(flags.cmd, ts)
if (flags.vs) {
  report(flags.vs, other)
  const ratios = ts.map((r, i) => r.seconds / other[i].seconds)
  const same = other.every(r => r.stdout === ts[0].stdout)
  console.log(`paired: median ratio ${median(ratios).toFixed(3)} (${flags.cmd} / ${flags.vs}) ` +
    `over ${ratios.length} pairs, from ${Math.min(...ratios).toFixed(3)} ` +
    `to ${Math.max(...ratios).toFixed(3)}; stdout ${same ? 'identical' : 'DIFFERS'}`)
}

if (flags.python) {
  const folder = mkdtempSync(join(tmpdir(), 'microgpt-py-'))
  copyFileSync(resolve(flags.python), join(folder, 'microgpt.py'))
  copyFileSync(resolve(flags.input), join(folder, 'input.txt'))
  const py: Run[] = []
  for (let i = 0; i < PYTHON_RUNS; i++) {
    py.push(await time(['python3', 'microgpt.py'], folder))
    console.error(`  python run ${i + 1}: ${f(py[i].seconds)} s`)
  }
  const py_median = report('python3 microgpt.py', py)
  const same = py.every(r => r.stdout.replaceAll('\r', '\n') === ts[0].stdout)
  console.log(`speed-up: ${(py_median / ts_median).toFixed(1)}x CPython; ` +
    `stdout ${same ? 'identical' : 'DIFFERS'}`)
}
