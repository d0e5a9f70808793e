/**
 * bench.ts: times microgpt.ts's default training, whole process, several runs in separate processes.
 *
 *   npm run bench                                   5 runs of `npx tsx microgpt.ts`
 *   npm run bench -- --runs 9 --cmd "bun microgpt.ts"
 *   npm run bench -- --python path/to/microgpt.py   also time CPython on the same input, and compare the outputs
 *   npm run bench -- --vs "npx tsx ../old/microgpt.ts"   paired runs against another version: A B A B ...
 *
 * It prints the median, minimum and maximum wall time, ms per training step, and peak RSS (the largest resident set of
 * any one process of the run, read from /proc, so Linux only). With --python it runs that microgpt.py unmodified in a
 * temporary folder, with the input copied in as input.txt, and prints the speed-up of the median over CPython.
 * With --vs it alternates the two commands, so that a noisy machine slows both alike, prints each median and the
 * median of the per-pair ratios (this one's time over the other's), and checks that the two stdouts are identical.
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
const NUM_STEPS = 1000 // microgpt.py's fixed number of steps, and microgpt.ts's default

type Run = { seconds: number, peak_mb: number, stdout: string, stderr: string, status: number | null }

// The largest VmHWM (peak resident set) among a process and its descendants, polled while they run
function peak_kb(pid: number): number {
  let peak = 0
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    peak = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0)
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      for (const child of readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean)) {
        peak = Math.max(peak, peak_kb(Number(child)))
      }
    }
  } catch { /* the process has exited, or this is not Linux */ }
  return peak
}

function time(argv: string[], cwd: string): Promise<Run> {
  return new Promise((done, fail) => {
    const start = performance.now(), child = spawn(argv[0], argv.slice(1), { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = '', stderr = '', peak = 0
    child.stdout.on('data', (d: Buffer) => { stdout += d })
    child.stderr.on('data', (d: Buffer) => { stderr += d })
    const poll = setInterval(() => { peak = Math.max(peak, peak_kb(child.pid!)) }, 20)
    child.on('error', fail)
    child.on('close', status => {
      clearInterval(poll)
      done({ seconds: (performance.now() - start) / 1000, peak_mb: peak / 1024, stdout, stderr, status })
    })
  })
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]
const report = (name: string, runs: Run[]) => {
  const s = runs.map(r => r.seconds), peak = median(runs.map(r => r.peak_mb)), f = (x: number) => x.toFixed(2)
  console.log(`${name}: median ${f(median(s))} s, min ${f(Math.min(...s))} s, max ${f(Math.max(...s))} s` +
    ` over ${runs.length} runs; ${f(median(s) * 1000 / NUM_STEPS)} ms/step (whole process);` +
    ` peak RSS ${peak ? `${peak.toFixed(0)} MB` : 'n/a'}`)
  return median(s)
}

console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, node ${process.version}`)
const argv_of = (cmd: string) => [...cmd.split(' ').filter(Boolean), '--input', resolve(flags.input)]
async function timed_run(cmd: string, label: string): Promise<Run> {
  const run = await time(argv_of(cmd), here)
  if (run.status !== 0) throw new Error(`${cmd} failed:\n${run.stderr}`)
  const said = run.stderr.trim().split('\n').at(-1) // microgpt.ts's own timing line
  console.error(`  ${label}: ${run.seconds.toFixed(2)} s, ${run.peak_mb.toFixed(0)} MB; ${said}`)
  return run
}
const ts: Run[] = []
const other: Run[] = []
for (let i = 0; i < Number(flags.runs); i++) {
  ts.push(await timed_run(flags.cmd, `run ${i + 1}`))
  if (flags.vs) other.push(await timed_run(flags.vs, `vs run ${i + 1}`))
}
const ts_median = report(flags.cmd, ts)
if (flags.vs) {
  report(flags.vs, other)
  const ratios = ts.map((r, i) => r.seconds / other[i].seconds)
  const same = other.every(r => r.stdout === ts[0].stdout)
  console.log(`paired: median ratio ${median(ratios).toFixed(3)} (${flags.cmd} / ${flags.vs}) over ${ratios.length}` +
    ` pairs, from ${Math.min(...ratios).toFixed(3)} to ${Math.max(...ratios).toFixed(3)}; stdout ${same ? 'identical' : 'DIFFERS'}`)
}

if (flags.python) {
  const folder = mkdtempSync(join(tmpdir(), 'microgpt-py-'))
  copyFileSync(resolve(flags.python), join(folder, 'microgpt.py'))
  copyFileSync(resolve(flags.input), join(folder, 'input.txt'))
  const py: Run[] = []
  for (let i = 0; i < Number(flags['python-runs']); i++) {
    const run = await time(['python3', 'microgpt.py'], folder)
    if (run.status !== 0) throw new Error(`microgpt.py failed:\n${run.stderr}`)
    py.push(run)
    console.error(`  python run ${i + 1}: ${run.seconds.toFixed(2)} s`)
  }
  const py_median = report('python3 microgpt.py', py)
  const same = py.every(r => r.stdout.replaceAll('\r', '\n') === ts[0].stdout)
  console.log(`speed-up: ${(py_median / ts_median).toFixed(1)}x CPython; stdout ${same ? 'identical' : 'DIFFERS'}`)
}
