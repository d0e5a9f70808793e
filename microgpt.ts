/**
 * microgpt.ts: Karpathy's microgpt.py in TypeScript, to read beside it. A GPT learns by guessing
 * each next token and nudging every weight to be less surprised; all of that is here, from the
 * autograd up, and bigger models add only speed and scale.
 *   node microgpt.ts [--name value ...]   (Node 22.18+; or npx tsx, bun, deno run --allow-read)
 * - One file of erasable TypeScript that imports only node: built-ins, and a twin of microgpt.py
 *   (gist revision 14fb038): the same stdout, its '\r' read as '\n', to every digit and name.
 * - Sections 1 to 3 are the algorithm; the appendices are plumbing that you can skip.
 */
import { existsSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync }
  from 'node:fs'
import { totalmem } from 'node:os'
import { fileURLToPath } from 'node:url'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { getHeapStatistics } from 'node:v8'
// ---- 1) dataset, tokenizer, autograd --------------------------------------------------------
/** A text's documents: its lines, stripped as Python's str.strip() does (STRIP, appendix A). */
export const read_docs = (text: string): string[] =>
  text.split(/\r\n|\r|\n/).map(line => line.replace(STRIP, '')).filter(line => line !== '')

/** uchars: the documents' characters, by code point as Python sorts them; index = token id. */
export const unique_chars = (docs: string[]): string[] =>
  [...new Set(docs.join(''))].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!)

// Autograd: each op records its children and its local gradients, d(op)/d(child)
/** A scalar that remembers how it was made, so that backward() can apply the chain rule. */
export class Value {
  data: number                  // the number, from the forward pass
  grad = 0                      // d(loss)/d(this), from the backward pass
  // Python's _children and _local_grads, in fixed fields rather than tuples (2x faster):
  a: Value | null               // the first child, if any
  da: number                    // d(this)/d(a), its local gradient
  b: Value | null               // the second child, if any
  db: number                    // d(this)/d(b)
  terms: Value[] | null = null  // or, for a sum, all its children, each with a local gradient of 1
  visited = 0                   // build_topo's visited set, as a stamp: the last pass here
  next: Value | null = null     // the node after this one in reversed(topo)
  static passes = 0             // how many backward() passes there have been

  constructor(data: number, a: Value | null = null, da = 0, b: Value | null = null, db = 0) {
    this.data = data
    this.a = a
    this.da = da
    this.b = b
    this.db = db
  }

  add(other: Value | number): Value { // __add__ and __radd__: this + other
    other = typeof other === 'number' ? new Value(other) : other
    return new Value(this.data + other.data, this, 1, other, 1)
  }
  mul(other: Value | number): Value { // __mul__ and __rmul__: this * other
    other = typeof other === 'number' ? new Value(other) : other
    return new Value(this.data * other.data, this, other.data, other, this.data)
  }
  pow(k: number) { return new Value(this.data ** k, this, k * this.data ** (k - 1)) } // __pow__
  log() { // Python's math.log refuses 0 and below, and microgpt.py stops there: so does this
    if (this.data <= 0) throw new Error(`math domain error: log(${this.data}), as in Python`)
    return new Value(Math.log(this.data), this, 1 / this.data)
  }
  exp() { return new Value(Math.exp(this.data), this, Math.exp(this.data)) }
  relu() { return new Value(this.data > 0 ? this.data : 0, this, this.data > 0 ? 1 : 0) }
  // Python's __neg__, __sub__ and __truediv__: -this, this - other and this / other
  neg() { return this.mul(-1) }
  sub(other: Value | number) { return this.add(other instanceof Value ? other.neg() : -other) }
  div(other: Value | number) { return this.mul(other instanceof Value ? other.pow(-1) : other**-1) }
  static sum(terms: Value[]) { // Python's sum(terms), as one node, not n additions (2x faster)
    const total = new Value(terms.reduce((total, t) => total + t.data, 0))
    total.terms = [...terms] // a copy, so a later push to terms cannot change it, as in Python
    return total
  }

  /** Adds d(this)/d(node) to the .grad of every node below; grads must start at 0. */
  backward(): void {
    const order = this.build_topo(++Value.passes, null) // 1. the order: reversed(topo)
    this.grad = 1 // 2. the chain rule, down the order: each node's grad is complete at its turn
    for (let v = order; v !== null; v = v.next) {
      if (v.terms) for (const t of v.terms) t.grad += v.grad
      if (v.a) v.a.grad += v.da * v.grad
      if (v.b) v.b.grad += v.db * v.grad
    }
  }

  // Python's build_topo, but each node, after its children, goes in front of a list linked by
  // .next: that list is reversed(topo). Leaves stay out. visited: a stamp, not a set (2x).
  private build_topo(pass: number, order: Value | null): Value | null {
    const { a, b, terms } = this
    this.visited = pass
    if (terms) for (const t of terms) if (t.visited !== pass) order = t.build_topo(pass, order)
    if (a && a.visited !== pass) order = a.build_topo(pass, order)
    if (b && b.visited !== pass) order = b.build_topo(pass, order)
    if (a || terms) this.next = order // a leaf has nothing to pass on, so it stays out
    return (a || terms) ? this : order
  }
}

// ---- 2) the GPT model: GPT-2, with RMSNorm for LayerNorm, no biases, and ReLU for GeLU ------
export type Vec = Value[] // a vector
export type Mat = Vec[]   // a matrix, [nout][nin]: a row per output
/** The sum of a[i] * b[i]. */
export const dot = (a: Vec, b: Vec): Value => Value.sum(a.map((ai, i) => ai.mul(b[i])))

/** Matrix times vector: a dot product per row of w. */
export const linear = (x: Vec, w: Mat): Vec => w.map(wo => dot(wo, x))

/** Logits to probabilities that add up to 1. */
export function softmax(logits: Vec): Vec {
  const max_val = Math.max(...logits.map(val => val.data)) // keeps exp() finite, changes nothing
  const exps = logits.map(val => val.sub(max_val).exp())
  const total = Value.sum(exps)
  return exps.map(e => e.div(total))
}

/** Rescales x to a root mean square of 1. */
export function rmsnorm(x: Vec): Vec {
  const ms = dot(x, x).div(x.length)
  const scale = ms.add(1e-5).pow(-0.5)
  return x.map(xi => xi.mul(scale))
}

/** A GPT's weights, by name (state_dict) and in one list (params), a kv_cache maker, and gpt. */
export function create_model(vocab_size: number,
  sizes: { n_layer: number, n_embd: number, block_size: number, n_head: number },
  random: { gauss: (mu: number, sigma: number) => number }) { // draws the starting weights
  const { n_layer, n_embd, block_size, n_head } = sizes // 1, 16, 16 and 4 in microgpt.py
  const head_dim = n_embd / n_head // each head's slice; whole, as n_head must divide n_embd
  const matrix = (nout: number, nin: number, std = 0.08): Mat => // small and random, to start
    Array.from({ length: nout }, () => Array.from({ length: nin }, () =>
      new Value(random.gauss(0, std))))
  const state_dict: Record<string, Mat> = {
    wte: matrix(vocab_size, n_embd),     // a row per input token
    wpe: matrix(block_size, n_embd),     // a row per position
    lm_head: matrix(vocab_size, n_embd), // a row per output token, for its logit
  }
  for (let i = 0; i < n_layer; i++) {
    state_dict[`layer${i}.attn_wq`] = matrix(n_embd, n_embd)
    state_dict[`layer${i}.attn_wk`] = matrix(n_embd, n_embd)
    state_dict[`layer${i}.attn_wv`] = matrix(n_embd, n_embd)
    state_dict[`layer${i}.attn_wo`] = matrix(n_embd, n_embd)
    state_dict[`layer${i}.mlp_fc1`] = matrix(4 * n_embd, n_embd)
    state_dict[`layer${i}.mlp_fc2`] = matrix(n_embd, 4 * n_embd)
  }
  const params: Vec = Object.values(state_dict).flat(2) // every weight in one list, for Adam
  const kv_cache = (): Mat[] => Array.from({ length: n_layer }, () => []) // [layer][pos][n_embd]

  // One token in, the logits for the next one out; the token's key and value join the KV cache
  function gpt(token_id: number, pos_id: number, keys: Mat[], values: Mat[]): Vec {
    const tok_emb = state_dict.wte[token_id] // what the token is
    const pos_emb = state_dict.wpe[pos_id]   // and where it stands
    let x = tok_emb.map((t, i) => t.add(pos_emb[i]))
    x = rmsnorm(x) // not redundant: the residual path carries this x past the later norms

    for (let li = 0; li < n_layer; li++) {
      // 1) attention: each head sums the values so far, weighted by how each key fits its query
      let x_residual = x
      x = rmsnorm(x)
      const q = linear(x, state_dict[`layer${li}.attn_wq`])
      const k = linear(x, state_dict[`layer${li}.attn_wk`])
      const v = linear(x, state_dict[`layer${li}.attn_wv`])
      keys[li].push(k)
      values[li].push(v)
      const x_attn: Vec = []
      for (let h = 0; h < n_head; h++) {
        const hs = h * head_dim
        const q_h = q.slice(hs, hs + head_dim)
        const k_h = keys[li].map(ki => ki.slice(hs, hs + head_dim))
        const v_h = values[li].map(vi => vi.slice(hs, hs + head_dim))
        const attn_logits = k_h.map(k_t => dot(q_h, k_t).div(head_dim ** 0.5))
        const attn_weights = softmax(attn_logits)
        const column = (j: number) => v_h.map(v_t => v_t[j]) // dimension j at every position
        const head_out = Array.from({ length: head_dim }, (_, j) => dot(attn_weights, column(j)))
        x_attn.push(...head_out)
      }
      x = linear(x_attn, state_dict[`layer${li}.attn_wo`])
      x = x.map((a, i) => a.add(x_residual[i])) // the residual: the block adds to its input
      // 2) MLP: each position alone, widened 4x, through ReLU, and narrowed back
      x_residual = x
      x = rmsnorm(x)
      x = linear(x, state_dict[`layer${li}.mlp_fc1`])
      x = x.map(xi => xi.relu())
      x = linear(x, state_dict[`layer${li}.mlp_fc2`])
      x = x.map((a, i) => a.add(x_residual[i]))
    }

    return linear(x, state_dict.lm_head) // the logits
  }
  return { state_dict, params, kv_cache, gpt }
}

// ---- 3) training and inference --------------------------------------------------------------
/** microgpt.py's run on docs, printing what it prints; returns each step's loss. */
export function main(config: Config, docs: string[], saved: Saved | null = null): number[] {
  const { block_size, num_steps, temperature, num_samples, prefix } = config
  const random = new Random(config.seed) // random.seed(42): the seed fixes the whole run
  random.shuffle(docs) // --load alone: blanks, shuffled so that the draws are the saving run's
  print(`num docs: ${docs.length}`)

  // The tokenizer: a token per character, plus BOS, which opens and closes every document
  const uchars = saved ? saved.uchars : unique_chars(docs) // --load: the model's, its token ids
  const BOS = uchars.length
  const vocab_size = uchars.length + 1
  print(`vocab size: ${vocab_size}`)

  const { state_dict, params, kv_cache, gpt } = create_model(vocab_size, config, random)
  if (saved) params.forEach((p, i) => (p.data = saved.weights[i])) // --load: draws only kept step
  print(`num params: ${params.length}`)

  // Adam, with running means of each gradient (m) and of its square (v); learning_rate 0.01
  const [learning_rate, beta1, beta2, eps_adam] = [config.learning_rate, 0.85, 0.99, 1e-8]
  const m = new Float64Array(params.length)
  const v = new Float64Array(params.length)
  const loss_history: number[] = [] // for the picture of the loss on stderr (appendix B)

  for (let step = 0; step < num_steps; step++) { // num_steps 1000

    // Take one document, as tokens between two BOS
    const doc = docs[step % docs.length]
    const tokens = [BOS, ...Array.from(doc, ch => uchars.indexOf(ch)), BOS]
    const n = Math.min(block_size, tokens.length - 1)

    // Forward: at each position, the model's surprise at the true next token, -log p
    const keys = kv_cache(), values = kv_cache()
    const losses: Vec = []
    for (let pos_id = 0; pos_id < n; pos_id++) {
      const token_id = tokens[pos_id], target_id = tokens[pos_id + 1]
      const logits = gpt(token_id, pos_id, keys, values)
      const probs = softmax(logits)
      const loss_t = probs[target_id].log().neg()
      losses.push(loss_t)
    }
    const loss = Value.sum(losses).mul(1 / n) // the mean surprise, which training pushes down

    // Backward: the gradient of the loss for every weight
    loss.backward()

    // Adam: move each weight against its gradient, at a rate that decays linearly to 0
    const lr_t = learning_rate * (1 - step / num_steps)
    for (let i = 0; i < params.length; i++) { // enumerate(params), by index: forEach is slower
      m[i] = beta1 * m[i] + (1 - beta1) * params[i].grad
      v[i] = beta2 * v[i] + (1 - beta2) * params[i].grad ** 2
      const m_hat = m[i] / (1 - beta1 ** (step + 1))
      const v_hat = v[i] / (1 - beta2 ** (step + 1))
      params[i].data -= lr_t * m_hat / (v_hat ** 0.5 + eps_adam)
      params[i].grad = 0
    }

    print(`step ${pad(step + 1, 4)} / ${pad(num_steps, 4)} | loss ${fixed(loss.data, 4)}`, '\r')
    loss_history.push(loss.data)
  }
  if (config.save) save_model(config, docs, uchars, state_dict) // --save, before sampling

  // Inference: from BOS, draw each next token until the model says BOS, the end
  print('\n--- inference (new, hallucinated names) ---')
  const prompt = Array.from(prefix, ch => uchars.indexOf(ch)) // --prefix: its tokens come first
  for (let sample_idx = 0; sample_idx < num_samples; sample_idx++) { // num_samples 20
    const keys = kv_cache(), values = kv_cache()
    let token_id = BOS
    const sample: string[] = []
    for (let pos_id = 0; pos_id < block_size; pos_id++) {
      const logits = gpt(token_id, pos_id, keys, values)
      const probs = softmax(logits.map(l => l.div(temperature))) // 0.5: under 1 is sharper
      token_id = pos_id < prompt.length ? prompt[pos_id] : random.choices(probs.map(p => p.data))
      if (token_id === BOS) break
      sample.push(uchars[token_id])
    }
    print(`sample ${pad(sample_idx + 1, 2)}: ${sample.join('')}`)
  }
  return loss_history
}

// ---- appendix A: Python's random, bit for bit, its str.strip(), print and format ------------
// microgpt.py shuffles, initializes and samples with Python's random module: this is the same
// Mersenne Twister, seeded and drawn as CPython's _randommodule.c and random.py do. Every draw is
// bit for bit; gauss() then goes through Math.log, cos and sin, which on a few inputs differ from
// C's in the last bit.
/** Python's random.Random: the same seed gives the same draws. */
export class Random {
  private mt = new Uint32Array(624)   // the state; a number stored here is kept mod 2^32
  private index = 0                   // the word to draw next
  private spare: number | null = null // gauss() makes normals in pairs and keeps one here

  constructor(seed: number | bigint) { // random.seed(n): init_by_array, keyed by |n|
    const mt = this.mt
    let n = BigInt(seed) < 0n ? -BigInt(seed) : BigInt(seed)
    const key = [Number(n % 2n ** 32n)] // |n|'s 32-bit words, lowest first
    for (n /= 2n ** 32n; n > 0n; n /= 2n ** 32n) key.push(Number(n % 2n ** 32n))
    mt[0] = 19650218 // init_genrand(19650218), then the key is stirred in
    for (let i = 1; i < 624; i++) mt[i] = Math.imul(mt[i - 1] ^ (mt[i - 1] >>> 30), 1812433253) + i
    let i = 1
    const stir = (f: number, plus: number) => { // one step of init_by_array, on word i
      mt[i] = (mt[i] ^ Math.imul(mt[i - 1] ^ (mt[i - 1] >>> 30), f)) + plus
      i = i === 623 ? 1 : i + 1
      if (i === 1) mt[0] = mt[623] // word 0 follows word 623, round the ring
    }
    for (let k = 0; k < Math.max(624, key.length); k++) {
      stir(1664525, key[k % key.length] + (k % key.length))
    }
    for (let k = 0; k < 623; k++) stir(1566083941, -i)
    mt[0] = 0x80000000 // the top bit set, so the state is never all zeros
  }

  // The same words as CPython's batch twist of all 624 when they run out: here each word is
  // twisted just before it is drawn. Twisting word k reads words k+1 and k+397 (mod 624), and
  // each then holds what the batch would give it: its old value if after k, its new one if before.
  private genrand_uint32(): number {
    const mt = this.mt
    const k = this.index
    this.index = (k + 1) % 624
    const y = (mt[k] & 0x80000000) | (mt[(k + 1) % 624] & 0x7fffffff)
    mt[k] = mt[(k + 397) % 624] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0)
    let z = mt[k] // tempered, to spread the bits
    z ^= z >>> 11
    z ^= (z << 7) & 0x9d2c5680
    z ^= (z << 15) & 0xefc60000
    return (z ^ (z >>> 18)) >>> 0
  }
  getrandbits(k: number) { return this.genrand_uint32() >>> (32 - k) } // for k from 1 to 32
  randbelow(n: number): number { // _randbelow: n.bit_length() bits, drawn again while too big
    const k = 32 - Math.clz32(n)
    let r = this.getrandbits(k)
    while (r >= n) r = this.getrandbits(k)
    return r
  }
  random(): number { // 53 random bits, 27 from one word and 26 from the next, over 2 ** 53
    return ((this.genrand_uint32() >>> 5) * 2 ** 26 + (this.genrand_uint32() >>> 6)) / 2 ** 53
  }
  gauss(mu: number, sigma: number): number { // Box-Muller, which makes normals in pairs
    let z = this.spare
    this.spare = null
    if (z === null) {
      const x2pi = this.random() * (2 * Math.PI)
      const g2rad = Math.sqrt(-2 * Math.log(1 - this.random()))
      z = Math.cos(x2pi) * g2rad
      this.spare = Math.sin(x2pi) * g2rad
    }
    return mu + z * sigma
  }
  shuffle<T>(x: T[]): void { // Fisher-Yates, from the end
    for (let i = x.length - 1; i > 0; i--) {
      const j = this.randbelow(i + 1)
      const x_i = x[i] // x[i], x[j] = x[j], x[i]
      x[i] = x[j]
      x[j] = x_i
    }
  }
  choices(weights: number[]): number { // choices(range(len(weights)), weights)[0]
    let total = 0
    const cum_weights = weights.map(w => (total += w)) // the running sums, in order
    if (!(total > 0 && total < Infinity)) throw new Error(`cannot sample: weights sum to ${total}`)
    const x = this.random() * total
    return cum_weights.findIndex((cum, i) => cum > x || i === weights.length - 1) // bisect
  }
}

// str.strip() removes what str.isspace() accepts: U+0009 to U+000D, U+001C to U+0020, U+0085,
// U+00A0, U+1680, U+2000 to U+200A, U+2028, U+2029, U+202F, U+205F and U+3000. JavaScript's
// trim() differs: it keeps U+001C to U+001F and U+0085, and removes a BOM.
const SPACE = String.raw`[\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]`
const STRIP = new RegExp(`^${SPACE}+|${SPACE}+$`, 'g')

/** Python's print(line, end=end); piped, a '\r' becomes '\n', so each step keeps its own line. */
const print = (line: string, end = '\n') =>
  process.stdout.write(line + (end === '\r' && !process.stdout.isTTY ? '\n' : end))
const pad = (n: number, width: number) => String(n).padStart(width) // Python's f'{n:{width}d}'

/** Python's f'{x:.{digits}f}', which rounds an exact tie to even where toFixed() rounds up. */
export function fixed(x: number, digits: number): string {
  const text = Number.isNaN(x) ? 'nan' : x.toFixed(digits)
  const halves = x * 2 ** (digits + 1) // an odd integer just when x is a tie
  const up_to_odd = Number.isInteger(halves) && halves % 2 !== 0 && /[13579]$/.test(text)
  return up_to_odd ? text.slice(0, -1) + (Number(text.at(-1)) - 1) : text
}

// ---- appendix B: the command line ------------------------------------------------------------
/** Every setting: its kind, its default (microgpt.py's, where it has one) and what it does.
 * Each is a flag, --n_embd 32 or --n_embd=32, read as its kind, whatever the default. */
export const settings = {
  input: set('text', 'names.txt', 'the dataset, one document a line; by default, the one here'),
  seed: set('integer', 42n, 'random.seed: any integer, of any length; the same seed, the same run'),
  n_layer: set('count', 1, 'depth: how many transformer blocks'),
  n_embd: set('size', 16, 'width: the size of every embedding; a multiple of n_head'),
  block_size: set('size', 16, 'the longest context in tokens (the longest name has 15 letters)'),
  n_head: set('size', 4, 'attention heads, each attending with n_embd / n_head dimensions'),
  learning_rate: set('number', 0.01, "Adam's step size at step 0; it decays linearly to 0"),
  num_steps: set('count', 1000, 'training steps, one document each; with 0, it only samples'),
  temperature: set('number', 0.5, 'above 0: low is safe and repetitive, high is inventive'),
  num_samples: set('count', 20, 'how many names to invent after training'),
  prefix: set('text', '', 'the text that every sample starts with'),
  save: set('text', '', 'after training, write the model to this JSON file'),
  load: set('text', '', 'a model that --save wrote, to sample as that run did, with no input'),
}
const KINDS = { text: 'text', integer: 'an integer', count: 'a count, 0 or more',
  size: 'a size, 1 or more', number: 'a number' } // what each kind of flag must be
function set<T>(kind: keyof typeof KINDS, value: T, what: string) { return { kind, value, what } }
export type Config = { [k in keyof typeof settings]: (typeof settings)[k]['value'] }
/** Each setting's default: { input: 'names.txt', seed: 42n, ... }. */
export const defaults = Object.fromEntries(Object.entries(settings).map(([k, s]) =>
  [k, s.value])) as Config
const USAGE = 'usage: node microgpt.ts [--name value | --name=value ...]'
const help_text = () => [USAGE, ...Object.entries(settings).map(([k, { value, what }]) =>
  `  --${k.padEnd(14)} ${what}${value === '' ? '' : ` (default: ${value})`}`)].join('\n')

/** A flag's text, read as its kind: an integer in digits, of any length; a count also as 1e3. */
function read_flag(k: keyof Config, text: string, flag = `--${k}`): Config[keyof Config] {
  const kind = settings[k].kind
  const num = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text) ? Number(text) : NaN
  const fits = { text: true, integer: /^[+-]?\d+$/.test(text), number: Number.isFinite(num),
    count: Number.isSafeInteger(num) && num >= 0, size: Number.isSafeInteger(num) && num >= 1 }
  if (!fits[kind]) throw new Error(`${flag} must be ${KINDS[kind]}, not '${text}'`)
  return kind === 'text' ? text : kind === 'integer' ? BigInt(text) : num
}

/** The flags given, each read: ['--n_embd', '32'] gives { n_embd: 32 }. */
export function parse_flags(args: string[]): Partial<Config> & { help?: boolean } {
  const options = Object.fromEntries(Object.keys(settings).map(k => [k, { type: 'string' }]))
  const help = { type: 'boolean', short: 'h' } // --help and -h take no value; the rest take one
  const typo = args.map(arg => /^--([^=]+)/.exec(arg)?.[1]).find(k => k && !(k in options))
  if (typo && typo !== 'help') throw new Error(`unknown flag --${typo}${nearest(typo)}`)
  const flags = parseArgs({ args, options: { ...options, help } as ParseArgsConfig['options'] })
  return Object.fromEntries(Object.entries(flags.values).map(([k, text]) =>
    [k, typeof text === 'string' ? read_flag(k as keyof Config, text) : text]))
}

// The flag a typo meant: within n edits (a letter added, dropped or changed), '-' read as '_'
function nearest(typo: string, name = typo.replaceAll('-', '_')): string {
  const within = (a: string, b: string, n: number): boolean => a && b && a[0] === b[0] // a match
    ? within(a.slice(1), b.slice(1), n) : a === b || (n > 0 && (within(a.slice(1), b, n - 1)
      || within(a, b.slice(1), n - 1) || within(a.slice(1), b.slice(1), n - 1)))
  const near = (n: number) => Object.keys(settings).find(k => within(name, k, n))
  const flag = near(1) ?? near(2) // within() gives up after n edits, so a long typo costs little
  return flag ? `; did you mean --${flag}?` : ''
}

/** The run's settings (the defaults, then a --load model's, then the flags), the input's
 * documents, and the model to load: all checked before anything is printed or trained. */
export function configure(given: Partial<Config>) {
  const input = fileURLToPath(new URL(defaults.input, import.meta.url)) // beside this file
  const file = given.load ? read_model(given.load) : null
  const config: Config = { ...defaults, input, ...file?.settings, ...given } // file's: num_steps 0
  const { n_layer, n_embd, n_head, block_size, temperature, prefix, save, load } = config
  const clash = file && SIZES.find(k => config[k] !== file.settings[k])
  if (clash) throw new Error(`--${clash} contradicts ${load}: it has ${file?.settings[clash]}`)
  // microgpt.py cannot run a temperature of 0, and runs one below 0 only by accident
  if (!(temperature > 0)) throw new Error(`temperature must be above 0, not ${temperature}`)
  if (n_embd % n_head) throw new Error(`n_head ${n_head} must divide n_embd ${n_embd}`)
  const train = !file || config.num_steps > 0 // --load alone reads no input
  const docs = train ? read_docs(read_file('--input', config.input)) : file!.blanks
  if (!docs.length) throw new Error(`${config.input} has no documents: every line is blank`)
  const uchars = unique_chars(file ? file.uchars : docs) // compare() refuses a file's unsorted
  const used = file && train ? [prefix, ...docs] : [prefix] // the model must know every character
  const unknown = unique_chars(used).filter(ch => !uchars.includes(ch)).join('')
  if (unknown) throw new Error(`${load || config.input} has no ${JSON.stringify(unknown)}`)
  if ([...prefix].length >= block_size) throw new Error(`--prefix must be under ${block_size} long`)
  // The weights, and one step's graph over T positions, must fit in the heap, at about 150 bytes
  // a Value: at each position, a Value per weight, and 2 T per dimension a layer for attention
  const V = uchars.length + 1
  const T = Math.min(block_size, docs.reduce((most, doc) => Math.max(most, doc.length + 1), 1))
  const weights = n_embd * (2 * V + block_size + n_layer * 12 * n_embd)
  const need = 150 * (weights + T * (weights + 2 * T * n_embd * n_layer))
  const heap = 'bun' in process.versions ? totalmem() : getHeapStatistics().heap_size_limit
  if (need > heap) throw new Error(`these sizes need ${gb(need)}, and the heap holds ${gb(heap)}`)
  const from_file = file?.weights.values() // --load: fill a model with the file's numbers in order,
  const { state_dict } = create_model(V, config, { gauss: () => from_file?.next().value ?? 0 })
  file?.compare(uchars, state_dict) // and --save must write it as that very file
  const onto = save && existsSync(save) && (statSync(save).isDirectory() ? 'a folder'
    : train && realpathSync(save) === realpathSync(config.input) && 'the input')
  if (onto) throw new Error(`--save ${save}: that is ${onto}`)
  if (save) write_whole(save) // a trial write, before training: the folder must take a file
  return { config, docs, saved: file && { uchars, weights: file.weights } }
}
const gb = (bytes: number) => `${(bytes / 2 ** 30).toFixed(bytes < 2 ** 33 ? 1 : 0)} GB`
const SIZES = ['n_layer', 'n_embd', 'n_head', 'block_size'] as const // what shapes a model
export type Saved = { uchars: string[], weights: number[] } // a model to load, weights in order

/** A model file, as --save writes it. The seed and the number of documents let a loading run
 * make the draws that the saving run made before it sampled, and so sample the same names. */
function model_file(config: Config, num_docs: number, uchars: string[], state_dict: object) {
  const sizes = Object.fromEntries(SIZES.map(k => [k, config[k]]))
  const seed = String(config.seed)
  return { format: 'microgpt.ts model', version: 2, seed, num_docs, uchars, ...sizes, state_dict }
}
const json = (x: unknown) => JSON.stringify(x, (_, v) => (v instanceof Value ? v.data : v))

/** --load: a model file, its sizes and seed read as the flags are. compare() refuses it unless
 * --save would write it again from a model of its sizes, made with its weights. */
function read_model(path: string) {
  const model = read_file('--load', path, JSON.parse)
  const bad = (what: string) => new Error(`--load ${path}: ${what}`)
  if (model?.format !== 'microgpt.ts model') throw bad('not a model that microgpt.ts saved')
  const read = (k: keyof Config) => [k, read_flag(k, String(model[k]), `--load ${path}: ${k}`)]
  const kept: Partial<Config> = Object.fromEntries([...SIZES, 'seed' as const].map(read))
  const { num_docs, uchars } = model
  const counted = Number.isSafeInteger(num_docs) && num_docs > 0 && num_docs < 2 ** 28 // blanks fit
  if (!counted) throw bad(`num_docs must be a count of documents, not ${json(num_docs)}`)
  const weights = Object.values(Object(model.state_dict)).flat(2) as number[]
  const compare = (sorted: string[], state_dict: object) => {
    const made: any = model_file({ ...defaults, ...kept }, num_docs, sorted, state_dict)
    const differs = Object.keys({ ...made, ...model }).find(k => json(made[k]) !== json(model[k]))
    if (differs) throw bad(`its ${differs} is not what --save writes for its sizes`)
    if (!weights.every(Number.isFinite)) throw bad('its weights must be finite numbers')
  }
  const blanks: string[] = Array(num_docs).fill('') // documents to shuffle, for the same draws
  const chars: string[] = Array.isArray(uchars) ? uchars : []
  return { settings: { ...kept, num_steps: 0 }, uchars: chars, blanks, weights, compare }
}

/** --save: the model as JSON (a Value as its data), unless training diverged. */
function save_model(config: Config, docs: string[], uchars: string[], state_dict: object): void {
  const diverged = Object.values(state_dict).flat(2).some((p: Value) => !Number.isFinite(p.data))
  if (diverged) throw new Error(`--save ${config.save}: not saved: training diverged`)
  write_whole(config.save, `${json(model_file(config, docs.length, uchars, state_dict))}\n`)
}

/** Writes text to a new file beside path, then renames it onto path, so path is whole or as it
 * was. Without text, it only tries that the folder takes a new file. */
function write_whole(path: string, text?: string): void {
  const temporary = `${path}.${process.pid}.tmp`
  try {
    naming('--save', path, () => writeFileSync(temporary, text ?? ''))
    if (text !== undefined) naming('--save', path, () => renameSync(temporary, path))
  } finally {
    if (existsSync(temporary)) rmSync(temporary) // the trial's file, or a failed write's
  }
}

/** What f() returns, or its error as one line that names the flag and the file. */
function naming<T>(flag: string, path: string, f: () => T): T {
  try {
    return f()
  } catch (e) { // a TypeError is UTF8's: as Python does, it refuses bytes that are not UTF-8
    throw new Error(`${flag} ${path}: ${e instanceof TypeError ? 'not UTF-8 text' : message(e)}`)
  }
}
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }) // a BOM stays, as in Python
/** A file's text, or what parse makes of it; an error names the flag and the file. */
const read_file = (flag: string, path: string, parse = (text: string): any => text) =>
  naming(flag, path, () => parse(UTF8.decode(readFileSync(path))))
const message = (e: unknown) => String(e instanceof Error ? e.message : e).replaceAll('\n', ' ')
  .replace(/^Maximum call stack size exceeded.*/, 'the graph is too deep for backward()')

/** The loss picture for stderr: a bar for the mean of each twentieth of the steps, ▁ for the
 * lowest mean and █ for the highest, with the first and last means in numbers. */
export function loss_picture(losses: number[]): string {
  const n = Math.min(20, losses.length)
  const start = (i: number) => Math.floor(i * losses.length / n) // bar i's first step
  const mean = (part: number[]) => part.reduce((a, b) => a + b, 0) / part.length
  const means = Array.from({ length: n }, (_, i) => mean(losses.slice(start(i), start(i + 1))))
  const [lo, hi] = [Math.min, Math.max].map(f => f(...means.filter(Number.isFinite)))
  const height = (m: number) => (hi > lo ? Math.round((m - lo) / (hi - lo) * 7) : 3) // flat: mid
  const bars = means.map(m => (isFinite(m) ? '▁▂▃▄▅▆▇█'[height(m)] : '?')).join('')
  const each = n < 20 ? 'each step' : 'the mean of each twentieth of the steps'
  return `loss ${fixed(means[0], 2)} ${bars} ${fixed(means[n - 1], 2)}   (${each})`
}

/** Runs the program: an error is one line on stderr, with the usage if a flag was wrong. */
function cli(args: string[]): void {
  let usage = ` (${USAGE}; --help lists the flags)` // while the flags are read
  try {
    const { help, ...given } = parse_flags(args)
    usage = ''
    if (help) return void print(help_text())
    const t0 = performance.now()
    const { config, docs, saved } = configure(given)
    const losses = main(config, docs, saved)
    const picture = losses.length ? `${loss_picture(losses)}\n` : ''
    const ms = Math.round(performance.now() - t0)
    process.stderr.write(`${picture}trained ${config.num_steps} steps and sampled in ${ms} ms\n`)
  } catch (e) {
    process.stderr.write(`microgpt.ts: ${message(e)}${usage}\n`)
    process.exitCode = 1
  }
}

// ---- the entry point: only when run as a program, so that importing this file runs nothing ---
const meta = import.meta as { main?: boolean, url: string } // Node before 24.2 has no .main
const argv1 = process.argv[1] ?? ''
const is_main = meta.main ?? (existsSync(argv1) && realpathSync(argv1) === fileURLToPath(meta.url))
if (is_main) cli(process.argv.slice(2))
