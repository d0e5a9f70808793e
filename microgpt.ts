/** microgpt.ts: Karpathy's microgpt.py in TypeScript. All that a GPT needs to learn from text and then write some of
 * its own is here; larger models add speed and scale, not ideas. Run: npx tsx microgpt.ts [--name value ...]. One file,
 * node: built-ins only, erasable TypeScript, and stdout identical to microgpt.py's, so Python's random comes along. */
import { existsSync, readFileSync, realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

export const defaults = { // every setting is also a flag of the same name: --n_embd 32 or --n_embd=32
  input: 'names.txt',  // the dataset, one document per line (by default the names.txt beside this file)
  seed: 42n as bigint, // random.seed: the same seed gives the same run
  num_steps: 1000,     // training steps, one document each
  n_layer: 1,          // depth: how many transformer blocks
  n_embd: 16,          // width: the size of every embedding
  n_head: 4,           // attention heads; each one attends with n_embd / n_head of the dimensions
  block_size: 16,      // the longest context in tokens (the longest name has 15 letters, plus BOS)
  learning_rate: 0.01, // Adam's step size at step 0; it decays linearly to 0
  temperature: 0.5,    // in (0, 1]: low is safe and repetitive, high is inventive
  num_samples: 20,     // how many names to sample after training
}
export type Config = typeof defaults

// ---- 1) dataset, tokenizer, autograd --------------------------------------------------------------------------------
// Python's `random`, ported bit for bit: the same seed gives the same draws, so the same model and the same names
export class Random {
  private mt = new Uint32Array(624); private i = 0 // the Mersenne Twister's state, and how many words were drawn
  private spare: number | null = null              // gauss() makes normals in pairs and keeps the second one here
  constructor(seed: number | bigint) { // as random.seed(n): init_by_array, keyed by |n| in 32-bit words, low first
    const key: number[] = [], mt = this.mt
    for (let n = BigInt(seed) * (seed < 0 ? -1n : 1n); n > 0 || !key.length; n >>= 32n) key.push(Number(n % 2n ** 32n))
    for (let k = 0; k < 624; k++) mt[k] = k ? Math.imul(mt[k - 1] ^ (mt[k - 1] >>> 30), 1812433253) + k : 19650218
    let i = 1
    const mix = (f: number) => mt[i] ^ Math.imul(mt[i - 1] ^ (mt[i - 1] >>> 30), f)
    const set = (x: number) => { mt[i] = x; if (++i === 624) { mt[0] = mt[623]; i = 1 } } // mt keeps x mod 2^32
    for (let k = 0; k < Math.max(624, key.length); k++) set(mix(1664525) + key[k % key.length] + k % key.length)
    for (let k = 0; k < 623; k++) set(mix(1566083941) - i)
    mt[0] = 0x80000000
  }
  private uint32(): number { // the next word, twisted in as it is drawn (genrand twists 624 at once), then tempered
    const mt = this.mt, k = this.i++ % 624, y = (mt[k] & 0x80000000) | (mt[(k + 1) % 624] & 0x7fffffff)
    let z = (mt[k] = mt[(k + 397) % 624] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0)) >>> 0
    z ^= z >>> 11; z ^= (z << 7) & 0x9d2c5680; z ^= (z << 15) & 0xefc60000
    return (z ^ (z >>> 18)) >>> 0
  }
  random(): number { return ((this.uint32() >>> 5) * 67108864 + (this.uint32() >>> 6)) / 2 ** 53 } // 53 random bits
  gauss(mu: number, sigma: number): number { // Box-Muller, in Python's order
    if (this.spare !== null) { const z = this.spare; this.spare = null; return mu + z * sigma }
    const x2pi = this.random() * (2 * Math.PI), g2rad = Math.sqrt(-2 * Math.log(1 - this.random()))
    this.spare = Math.sin(x2pi) * g2rad
    return mu + Math.cos(x2pi) * g2rad * sigma
  }
  shuffle<T>(x: T[]): void { // Fisher-Yates; each index is drawn from just enough bits, and again if too big
    for (let i = x.length - 1, j = 0; i > 0; i--) {
      do j = this.uint32() >>> Math.clz32(i + 1); while (j > i)
      ;[x[i], x[j]] = [x[j], x[i]]
    }
  }
  choices(weights: number[]): number { // random.choices(range(len(weights)), weights)[0]
    let total = 0 // the running sum, and at the end the sum of all the weights
    const cum_weights = weights.map(w => (total += w)), x = this.random() * total
    if (!(total > 0 && total < Infinity)) throw new Error(`cannot sample: the weights add up to ${total}`)
    return cum_weights.findIndex((c, i) => x < c || i === weights.length - 1) // bisect: the first running sum above x
  }
}
// The documents: lines ending in \n, \r\n or \r, stripped of white space as Python's str.strip() defines it
const STRIP = /^(?:(?!\ufeff)[\s\x1c-\x1f\x85])+|(?:(?!\ufeff)[\s\x1c-\x1f\x85])+$/g // Python's isspace() set
export const read_docs = (text: string) => text.split(/\r\n|\r|\n/).map(l => l.replace(STRIP, '')).filter(l => l)
// The tokenizer: each distinct character (code point) gets an id, in code point order as Python's sorted() gives
export const tokenizer = (docs: string[]) =>
  [...new Set(docs.join(''))].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!)
// Autograd: every op records its children and its local gradients; backward() chains them from the loss down
export type Vec = Value[]; export type Mat = Vec[]; type Num = Value | number // a vector, a matrix (rows), an operand
export class Value {
  data: number; grad = 0 // the scalar from the forward pass, and d(loss)/d(this) from the backward pass
  a: Value | null; da: number; b: Value | null; db: number // up to two children, each with d(this)/d(child)
  terms: Vec | null // or the children of a sum t0 + t1 + ..., added in Python's order (each local gradient is 1)
  mark = 0; next: Value | null = null; static passes = 0 // backward()'s bookkeeping
  constructor(data: number, a: Value | null = null, da = 0, b: Value | null = null, db = 0, terms: Vec | null = null) {
    this.data = data; this.a = a; this.da = da; this.b = b; this.db = db; this.terms = terms
  }
  static of = (x: Num) => (typeof x === 'number' ? new Value(x) : x) // a constant is a leaf, as in Python
  add(other: Num) { const o = Value.of(other); return new Value(this.data + o.data, this, 1, o, 1) }
  mul(other: Num) { const o = Value.of(other); return new Value(this.data * o.data, this, o.data, o, this.data) }
  pow(k: number) { return new Value(this.data ** k, this, k * this.data ** (k - 1)) }
  log() { return new Value(Math.log(this.data), this, 1 / this.data) }
  exp() { const e = Math.exp(this.data); return new Value(e, this, e) }
  relu() { return new Value(this.data > 0 ? this.data : 0, this, this.data > 0 ? 1 : 0) }
  neg() { return this.mul(-1) }
  sub(other: Num) { return this.add(typeof other === 'number' ? -other : other.neg()) }
  div(other: Num) { return this.mul(typeof other === 'number' ? other ** -1 : other.pow(-1)) }
  static sum(terms: Vec) { return new Value(terms.reduce((s, t) => s + t.data, 0), null, 0, null, 0, terms) }
  backward(): void {
    // Order nodes children-first as Python's depth-first search does, on a stack of ours so deep graphs can't overflow
    const open = (Value.passes += 2), done = open + 1, stack: Vec = [this]
    const push = (c: Value | null) => { if (c && c.mark !== done && (c.a || c.terms)) stack.push(c) } // leaves stay out
    let order: Value | null = null // the finished nodes, newest first: every parent before its children
    for (let v = stack.pop(); v; v = stack.pop()) {
      if (v.mark === open) { v.mark = done; v.next = order; order = v } // back on top: its children are finished
      else if (v.mark !== done) { // first visit: wait on the stack under the children not yet finished
        v.mark = open; stack.push(v)
        if (v.terms) for (let i = v.terms.length - 1; i >= 0; i--) push(v.terms[i])
        push(v.b); push(v.a)
      }
    }
    this.grad = 1
    for (let v = order; v !== null; v = v.next) { // the chain rule, one node at a time
      if (v.terms) for (const t of v.terms) t.grad += v.grad
      if (v.a) v.a.grad += v.da * v.grad
      if (v.b) v.b.grad += v.db * v.grad
    }
  }
}
// ---- 2) the GPT model: GPT-2, with RMSNorm for LayerNorm, no biases and ReLU for GeLU -------------------------------
export const linear = (x: Vec, w: Mat): Vec => w.map(wo => Value.sum(wo.map((wi, i) => wi.mul(x[i])))) // w: [nout][nin]
export function softmax(logits: Vec): Vec { // minus the max: the same result, but exp() cannot overflow
  const max_val = Math.max(...logits.map(val => val.data)), exps = logits.map(val => val.sub(max_val).exp())
  const total = Value.sum(exps)
  return exps.map(e => e.div(total))
}
export function rmsnorm(x: Vec): Vec { // rescale x to a root mean square of 1
  const ms = Value.sum(x.map(xi => xi.mul(xi))).div(x.length), scale = ms.add(1e-5).pow(-0.5)
  return x.map(xi => xi.mul(scale))
}
export function GPT(vocab_size: number, { n_layer, n_embd, n_head, block_size }: Config, random: Random) {
  const head_dim = n_embd / n_head // the width of each head's slice
  const matrix = (nout: number, nin: number, std = 0.08): Mat =>
    Array.from({ length: nout }, () => Array.from({ length: nin }, () => new Value(random.gauss(0, std))))
  const state_dict: Record<string, Mat> =
    { wte: matrix(vocab_size, n_embd), wpe: matrix(block_size, n_embd), lm_head: matrix(vocab_size, n_embd) }
  for (let i = 0; i < n_layer; i++) {
    for (const w of ['attn_wq', 'attn_wk', 'attn_wv', 'attn_wo']) state_dict[`layer${i}.${w}`] = matrix(n_embd, n_embd)
    state_dict[`layer${i}.mlp_fc1`] = matrix(4 * n_embd, n_embd)
    state_dict[`layer${i}.mlp_fc2`] = matrix(n_embd, 4 * n_embd)
  }
  const params: Vec = Object.values(state_dict).flat(2) // every weight in one list, for the optimizer
  const kv_cache = (): Mat[] => Array.from({ length: n_layer }, () => []) // [n_layer][positions so far][n_embd]
  // One token in, the logits for the next one out; this position's keys and values join the cache
  function gpt(token_id: number, pos_id: number, keys: Mat[], values: Mat[]): Vec {
    const tok_emb = state_dict.wte[token_id], pos_emb = state_dict.wpe[pos_id] // what the token is, and where
    let x = rmsnorm(tok_emb.map((t, i) => t.add(pos_emb[i]))) // the residual path skips later norms; this one counts
    for (let li = 0; li < n_layer; li++) {
      // 1) attention: each head mixes the values of positions so far, weighted by how well their keys fit its query
      let x_residual = x
      x = rmsnorm(x)
      const q = linear(x, state_dict[`layer${li}.attn_wq`]), x_attn: Vec = []
      keys[li].push(linear(x, state_dict[`layer${li}.attn_wk`]))
      values[li].push(linear(x, state_dict[`layer${li}.attn_wv`]))
      for (let h = 0; h < n_head; h++) {
        const hs = h * head_dim, slice = (vec: Vec) => vec.slice(hs, hs + head_dim)
        const q_h = slice(q), k_h = keys[li].map(slice), v_h = values[li].map(slice)
        const attn_logits = k_h.map(kt => Value.sum(q_h.map((qj, j) => qj.mul(kt[j]))).div(head_dim ** 0.5))
        const attn_weights = softmax(attn_logits)
        for (let j = 0; j < head_dim; j++) x_attn.push(Value.sum(v_h.map((vt, t) => attn_weights[t].mul(vt[j]))))
      }
      x = linear(x_attn, state_dict[`layer${li}.attn_wo`]).map((a, i) => a.add(x_residual[i]))
      // 2) MLP: each position on its own, widened 4x, through ReLU, and narrowed back
      x_residual = x
      x = linear(rmsnorm(x), state_dict[`layer${li}.mlp_fc1`]).map(xi => xi.relu())
      x = linear(x, state_dict[`layer${li}.mlp_fc2`]).map((a, i) => a.add(x_residual[i]))
    }
    return linear(x, state_dict.lm_head)
  }
  return { state_dict, params, kv_cache, gpt }
}
// ---- 3) training and inference --------------------------------------------------------------------------------------
export function main(c: Config): void {
  const random = new Random(c.seed), docs = read_docs(readFileSync(c.input, 'utf8')) // a BOM stays, as in Python
  if (docs.length === 0) throw new Error(`${c.input} has no documents: every line is blank`)
  random.shuffle(docs)
  print(`num docs: ${docs.length}`)
  const uchars = tokenizer(docs), BOS = uchars.length, vocab_size = uchars.length + 1 // BOS opens and closes each doc
  print(`vocab size: ${vocab_size}`)
  const { params, gpt, kv_cache } = GPT(vocab_size, c, random)
  print(`num params: ${params.length}`)
  // Adam, with one slot per parameter in each of its two moment buffers
  const { learning_rate, num_steps, block_size } = c, beta1 = 0.85, beta2 = 0.99, eps_adam = 1e-8
  const m = new Float64Array(params.length), v = new Float64Array(params.length) // running means of grad and grad**2
  const t0 = performance.now()
  for (let step = 0; step < num_steps; step++) {
    const tokens = [BOS, ...Array.from(docs[step % docs.length], ch => uchars.indexOf(ch)), BOS] // one doc per step
    const n = Math.min(block_size, tokens.length - 1), keys = kv_cache(), values = kv_cache(), losses: Vec = []
    for (let pos_id = 0; pos_id < n; pos_id++) {
      const probs = softmax(gpt(tokens[pos_id], pos_id, keys, values))
      losses.push(probs[tokens[pos_id + 1]].log().neg()) // minus the log of the chance given to the right next token
    }
    const loss = Value.sum(losses).mul(1 / n) // the mean over the document: the number training pushes down
    if (loss.data === Infinity) throw new Error(`step ${step + 1}: log(0), where microgpt.py stops with a math error`)
    loss.backward()
    const lr_t = learning_rate * (1 - step / num_steps) // linear decay to 0
    for (const [i, p] of params.entries()) {
      m[i] = beta1 * m[i] + (1 - beta1) * p.grad
      v[i] = beta2 * v[i] + (1 - beta2) * p.grad ** 2
      const m_hat = m[i] / (1 - beta1 ** (step + 1)), v_hat = v[i] / (1 - beta2 ** (step + 1))
      p.data -= lr_t * m_hat / (v_hat ** 0.5 + eps_adam)
      p.grad = 0
    }
    const loss_str = Number.isNaN(loss.data) ? 'nan' : loss.data.toFixed(4) // as Python's :.4f writes it
    print(`step ${pad(step + 1, 4)} / ${pad(num_steps, 4)} | loss ${loss_str}`, process.stdout.isTTY ? '\r' : '\n')
  }
  print('\n--- inference (new, hallucinated names) ---') // from BOS, one token at a time until the model says BOS
  for (let sample_idx = 0; sample_idx < c.num_samples; sample_idx++) {
    const keys = kv_cache(), values = kv_cache(), sample: string[] = []
    for (let pos_id = 0, token_id = BOS; pos_id < block_size; pos_id++) {
      const logits = gpt(token_id, pos_id, keys, values), probs = softmax(logits.map(l => l.div(c.temperature)))
      token_id = random.choices(probs.map(p => p.data))
      if (token_id === BOS) break
      sample.push(uchars[token_id])
    }
    print(`sample ${pad(sample_idx + 1, 2)}: ${sample.join('')}`)
  }
  console.error(`trained ${num_steps} steps and sampled in ${Math.round(performance.now() - t0)} ms`) // not on stdout
}
const print = (line: string, end = '\n') => void process.stdout.write(line + end)
const pad = (n: number, width: number) => String(n).padStart(width)
const USAGE = 'usage: npx tsx microgpt.ts [--name value | --name=value ...]' // the command line: a flag per setting
const HELP = Object.entries(defaults).reduce((help, [k, v]) => `${help}\n  --${k.padEnd(14)} ${v}`, USAGE)
const KINDS = { 'an integer': /^[+-]?\d+$/, 'a positive integer': /^\+?0*[1-9]\d{0,14}$/,
  'a number': /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i } // what the text of each kind of flag must look like
export function parse_flags(args: string[]): Config {
  const c = { ...defaults, input: fileURLToPath(new URL(defaults.input, import.meta.url)) }
  const options = Object.fromEntries(Object.keys(c).map(k => [k, { type: 'string' as const }]))
  for (const [k, text] of Object.entries(parseArgs({ args, options }).values) as [keyof Config, string][]) {
    const kind = k === 'seed' ? 'an integer' : Number.isInteger(defaults[k]) ? 'a positive integer' : 'a number'
    if (k !== 'input' && !KINDS[kind].test(text)) throw new Error(`--${k} must be ${kind}, not '${text}'`)
    Object.assign(c, { [k]: k === 'input' ? text : k === 'seed' ? BigInt(text) : Number(text) })
  }
  if (c.n_embd % c.n_head !== 0) throw new Error(`n_embd (${c.n_embd}) must be a multiple of n_head (${c.n_head})`)
  if (!(c.temperature > 0)) throw new Error(`temperature must be above 0, not ${c.temperature}`)
  return c
}
// Run only when started as a program, so that importing this file (as test.ts does) trains nothing
const entry = process.argv[1] ?? '', meta = import.meta as { main?: boolean, url: string } // Node 20 has no .main
if (meta.main ?? (existsSync(entry) && realpathSync(entry) === fileURLToPath(meta.url))) {
  let c: Config | undefined // set once the flags have parsed: an error before that comes with the usage
  try { process.argv.includes('--help') ? print(HELP) : main((c = parse_flags(process.argv.slice(2)))) } catch (e) {
    const hint = c ? '' : ` (${USAGE}; --help lists the flags)`
    process.stderr.write(`microgpt.ts: ${String(e instanceof Error ? e.message : e).split('\n')[0]}${hint}\n`)
    process.exitCode = 1
  }
}
