/**
 * microgpt.ts: Karpathy's microgpt.py in TypeScript, to read beside it. A GPT learns by guessing
 * each next token and nudging every weight to be less surprised; all of that is here, from the
 * autograd up, and bigger models add only speed and scale.
 *   node microgpt.ts [--name value ...]   (Node 22.18+; or npx tsx, bun, deno run --allow-read)
 * - One file of TypeScript that runs as it is, importing only node: built-ins, for appendix B.
 * - The twin of microgpt.py (gist revision 14fb038): its stdout, '\r' read as '\n' (see README.md).
 * - Sections 1 to 3 are the algorithm; the appendices are plumbing that you can skip.
 */
// ---- 1) dataset, tokenizer, autograd --------------------------------------------------------
/** A text's documents, as microgpt.py reads input.txt: its lines, stripped (STRIP, appendix A). */
export const read_docs = (text: string): string[] => // open() ends lines at \r\n, \r and \n alike
  text.split(/\r\n|\r|\n/).map(line => line.replace(STRIP, '')).filter(line => line !== '')

/** uchars: the documents' characters, sorted by code point as Python does; index = token id. */
export const unique_chars = (docs: string[]): string[] => // a bare sort() compares UTF-16 units
  [...new Set(docs.join(''))].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!)

/** Autograd: a scalar that remembers how it was made, so backward() can apply the chain rule. */
export class Value {
  data: number                  // the number, from the forward pass
  grad = 0                      // d(loss)/d(this), from the backward pass
  // Python's Value(data, (a, b), (da, db)) is new Value(data, a, da, b, db): no tuples, 2x faster
  a: Value | null               // the first child, if any
  da: number                    // d(this)/d(a), its local gradient
  b: Value | null               // the second child, if any
  db: number                    // d(this)/d(b)
  terms: Value[] | null = null  // Value.sum's node: all its children, each of local gradient 1
  visited = 0                   // the number of the last backward() pass that reached this node
  static passes = 0             // how many backward() passes there have been

  constructor(data: number, a: Value | null = null, da = 0, b: Value | null = null, db = 0) {
    this.data = data
    this.a = a
    this.da = da
    this.b = b
    this.db = db
  }

  // No operator overloading: a * b is a.mul(b), 2 * a is a.mul(2), 2 - a is a.neg().add(2)
  add(other: Value | number): Value { // __add__ and __radd__: this + other
    other = other instanceof Value ? other : new Value(other)
    return new Value(this.data + other.data, this, 1, other, 1)
  }
  mul(other: Value | number): Value { // __mul__ and __rmul__: this * other
    other = other instanceof Value ? other : new Value(other)
    return new Value(this.data * other.data, this, other.data, other, this.data) // d(ab)/da = b
  }
  pow(k: number) { return new Value(this.data ** k, this, k * this.data ** (k - 1)) } // __pow__
  log() { // math.log(0) raises, and microgpt.py stops; Math.log(0) would go on with -Infinity
    if (this.data <= 0) throw new Error(`math domain error: log(${this.data}), as in Python`)
    return new Value(Math.log(this.data), this, 1 / this.data)
  }
  exp() { return new Value(Math.exp(this.data), this, Math.exp(this.data)) }
  relu() { return new Value(this.data > 0 ? this.data : 0, this, this.data > 0 ? 1 : 0) }
  neg() { return this.mul(-1) } // __neg__: -this; the next two are __sub__ and __truediv__
  sub(other: Value | number) { return this.add(other instanceof Value ? other.neg() : -other) }
  div(other: Value | number) { return this.mul(other instanceof Value ? other.pow(-1) : other**-1) }
  // Python's sum(terms), or sum(term(x, i) for i, x in enumerate(xs)), as one node whose local
  // gradients are 1, not n additions (2x faster). Each term's grad gets the same addend, only
  // sooner: that changes the last bit only for a term with 3+ users, and here each has 2 at most
  static sum(xs: Value[], term?: (x: Value, i: number) => Value): Value {
    const terms = term ? xs.map(term) : xs.slice() // a copy: a later push to xs changes nothing
    const total = new Value(terms.reduce((data, t) => data + t.data, 0)) // from 0, in order
    total.terms = terms
    return total
  }

  // Python's build_topo(v), v being this, and its visited set a stamp (2x faster): a node is in the
  // set when node.visited === pass, so a new pass number empties it. Each caller tests visited, as
  // it saves a call; v._children are this.terms, or else this.a and this.b.
  private build_topo(topo: Value[], pass: number): void {
    this.visited = pass // visited.add(v)
    if (this.terms) for (const t of this.terms) if (t.visited !== pass) t.build_topo(topo, pass)
    if (this.a && this.a.visited !== pass) this.a.build_topo(topo, pass)
    if (this.b && this.b.visited !== pass) this.b.build_topo(topo, pass)
    topo.push(this)
  }

  /** Sets this.grad to 1 and adds d(this)/d(node) to each node's .grad below (which start at 0). */
  backward(): void {
    const topo: Value[] = [] // this node and every node below it, each after its children
    this.build_topo(topo, ++Value.passes) // a new pass number: nothing is visited in it yet
    this.grad = 1
    for (let i = topo.length - 1; i >= 0; i--) { // reversed(topo): each node before its children
      const v = topo[i] // its grad is whole now: every node that uses it came before it
      if (v.terms) for (const child of v.terms) child.grad += v.grad // local gradient 1
      if (v.a) v.a.grad += v.da * v.grad // child.grad += local_grad * v.grad
      if (v.b) v.b.grad += v.db * v.grad
    }
  }
}

// ---- 2) the GPT model: GPT-2, with RMSNorm for LayerNorm, no biases, and ReLU for GeLU ------
export type Vec = Value[] // a vector
export type Mat = Vec[]   // a matrix, [nout][nin]: a row per output
export type Sizes = { n_layer: number, n_embd: number, block_size: number, n_head: number }
/** The sum of a[i] * b[i]. */
export const dot = (a: Vec, b: Vec): Value => Value.sum(a, (ai, i) => ai.mul(b[i]))

/** Matrix times vector: a dot product per row of w. */
export const linear = (x: Vec, w: Mat): Vec => w.map(wo => dot(wo, x))

/** Logits to probabilities that add up to 1. */
export function softmax(logits: Vec): Vec {
  const max_val = Math.max(...logits.map(val => val.data)) // keeps exp() finite; cancels out
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

/** A GPT, its weights drawn from random: state_dict by name, params in a list, kv_cache, gpt. */
export function create_model(vocab_size: number, sizes: Sizes,
  random: { gauss: (mu: number, sigma: number) => number }) { // Random, or appendix B's stub
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
        const head_out = Array.from({ length: head_dim }, (_, j) => // dimension j, weighted over t
          Value.sum(attn_weights, (w_t, t) => w_t.mul(v_h[t][j])))
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
export type Settings = Sizes & { seed: number | bigint, learning_rate: number, num_steps: number,
  temperature: number, num_samples: number, prefix: string, uchars?: string[], weights?: number[] }
/** microgpt.py's script on docs; given a model's uchars and weights (--load), it starts from it. */
export function main(config: Settings, docs: string[]) {
  const { block_size, num_steps, temperature, num_samples, prefix } = config
  const random = new Random(config.seed) // random.seed(42); Random, print, fixed: appendix A
  random.shuffle(docs)
  print(`num docs: ${docs.length}`)

  // The tokenizer: a token per character, plus BOS, which opens and closes every document
  const uchars = config.uchars ?? unique_chars(docs) // or --load's, the trained model's own
  const BOS = uchars.length
  const vocab_size = uchars.length + 1
  print(`vocab size: ${vocab_size}`)

  const { state_dict, params, kv_cache, gpt } = create_model(vocab_size, config, random)
  // Still drawn, so that random is left as the saving run left it; --load's weights replace them
  config.weights?.forEach((w, i) => (params[i].data = w))
  print(`num params: ${params.length}`)

  // Adam, with running means of each gradient (m) and of its square (v); learning_rate 0.01
  const [learning_rate, beta1, beta2, eps_adam] = [config.learning_rate, 0.85, 0.99, 1e-8]
  const m = new Float64Array(params.length) // [0.0] * len(params)
  const v = new Float64Array(params.length)
  const loss_history: number[] = [] // each step's loss, for the command line's picture of it

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
      token_id = pos_id >= prompt.length ? random.choices(probs.map(p => p.data)) : prompt[pos_id]
      if (token_id === BOS) break
      sample.push(uchars[token_id])
    }
    print(`sample ${pad(sample_idx + 1, 2)}: ${sample.join('')}`)
  }
  return { uchars, state_dict, loss_history } // what the command line keeps and draws
}

// ---- appendix A: Python's random, bit for bit, its str.strip(), print and format ------------
// microgpt.py shuffles, initializes and samples with Python's random: this is its Mersenne Twister,
// seeded and drawn as CPython's _randommodule.c and random.py do, bit for bit. gauss() then calls
// Math.log, cos and sin, which on a few inputs differ from C's in the last bit.
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

  // CPython twists all 624 words at once when they run out; here each is twisted just before it
  // is drawn. Word k reads k+1 (not yet twisted) and k+397 mod 624 (twisted if before k): the same.
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

// str.strip() removes what str.isspace() accepts, which is SPACE; JavaScript's trim() differs: it
// keeps U+001C to U+001F and U+0085, and removes a BOM.
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
import { createHash } from 'node:crypto' // node: built-ins, which only this appendix needs
import { existsSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync }
  from 'node:fs'
import { totalmem } from 'node:os'
import { fileURLToPath } from 'node:url'
import { getHeapStatistics } from 'node:v8'
// Each setting is a flag named after its variable (--n_embd 32, or --n_embd=32), read as the kind
// declared beside its default: edit a default, and its flag still reads a count or a number.
const KINDS = { text: 'text', integer: 'an integer', count: 'a count, 0 or more',
  size: 'a size, 1 or more', number: 'a number', positive: 'a number above 0' }
const set = <T>(kind: keyof typeof KINDS, value: T, what: string) => ({ kind, value, what })
export const settings = {
  input: set('text', 'names.txt', 'the dataset, one document a line; by default, the one here'),
  seed: set('integer', 42n, 'random.seed: any integer, of any length; the same seed, the same run'),
  n_layer: set('count', 1, 'depth: how many transformer blocks'),
  n_embd: set('size', 16, 'width: the size of every embedding; a multiple of n_head'),
  block_size: set('size', 16, 'the longest context in tokens (the longest name has 15 letters)'),
  n_head: set('size', 4, 'attention heads, each attending with n_embd / n_head dimensions'),
  learning_rate: set('number', 0.01, "Adam's step size at step 0; it decays linearly to 0"),
  num_steps: set('count', 1000, 'training steps, one document each; with 0, it only samples'),
  temperature: set('positive', 0.5, 'low is safe and repetitive, high is inventive'),
  num_samples: set('count', 20, 'how many names to invent after training'),
  prefix: set('text', '', 'the text that every sample starts with'),
  save: set('text', '', 'when the run is over, write the model to this JSON file'),
  load: set('text', '', 'a model that --save wrote, to sample as that run did, with no input'),
}
export type Config = { [k in keyof typeof settings]: (typeof settings)[k]['value'] }
export const defaults = Object.fromEntries(Object.entries(settings).map(([k, s]) =>
  [k, s.value])) as Config
const USAGE = 'usage: node microgpt.ts [--name value | --name=value ...]'
const HELP = () => [USAGE, ...Object.entries(settings).map(([k, { value, what }]) =>
  `  --${k.padEnd(14)} ${what}${value === '' ? '' : ` (default: ${value})`}`)].join('\n')

/** The flags, each read as its kind: ['--n_embd', '32'] gives { n_embd: 32 }. */
export function parse_flags(args: string[]): Partial<Config> {
  const given: Record<string, unknown> = {}
  for (let i = 0; i < args.length; i++) {
    const [, k = '', eq, value] = /^--([^=]*)(=?)(.*)$/s.exec(args[i]) ?? []
    const near = Object.keys(settings).find(s => s === k.replaceAll('-', '_').toLowerCase())
    const hint = near ? `; did you mean --${near}?` : '' // for --num-steps or --N_EMBD
    if (!Object.hasOwn(settings, k)) fail(`unknown flag ${args[i]}${hint}`)
    const text = eq ? value : args[++i] // after a space, -7 is a value, as in Python's argparse
    if (text === undefined || (!eq && /^-[^\d.]/.test(text))) fail(`--${k} needs a value`)
    const kind = settings[k as keyof Config].kind
    const n = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text) ? Number(text) : NaN
    const whole = Number.isSafeInteger(n) // a count or size may be written 1e3 or 16.0
    const fits = { text: true, integer: /^[+-]?\d+$/.test(text), number: Number.isFinite(n),
      positive: n > 0 && n < Infinity, count: whole && n >= 0, size: whole && n >= 1 }
    if (!fits[kind]) fail(`--${k} must be ${KINDS[kind]}, not '${text}'`)
    given[k] = kind === 'text' ? text : kind === 'integer' ? BigInt(text) : n
  }
  return given
}

/** The run's settings (the defaults, a --load model's, the flags) and documents, all checked. */
export async function configure(given: Partial<Config>) {
  const model = given.load ? read_model(given.load) : undefined
  const input = fileURLToPath(new URL(defaults.input, import.meta.url)) // names.txt, beside this
  const config: Config = { ...defaults, input, ...model?.settings, ...given }
  const { n_layer, n_embd, n_head, block_size, prefix, save, load } = config
  const clash = SIZES.find(k => model && config[k] !== model.settings[k])
  if (clash) fail(`--${clash} contradicts ${load}: it has ${model?.settings[clash]}`)
  if (n_embd % n_head) fail(`n_head ${n_head} must divide n_embd ${n_embd}`)
  const train = !model || config.num_steps > 0 // --load alone reads no input
  if (train && !given.input && !existsSync(input)) await download(input) // as microgpt.py does
  const docs = train ? read_docs(read_file('--input', config.input)) : blanks(model?.num_docs)
  if (!docs.length) fail(`${config.input} has no documents: every line is blank`)
  const uchars = model?.uchars ?? unique_chars(docs) // each character used must be one of these
  const unknown = unique_chars([prefix, ...docs]).filter(ch => !uchars.includes(ch)).join('')
  if (unknown) fail(`${load || config.input} has no ${JSON.stringify(unknown)}`)
  if ([...prefix].length >= block_size) fail(`--prefix must be under ${block_size} long`)
  // At ~200 bytes a Value, the heap must hold W weights and the graph of one step or sample: at
  // each of its T = block_size positions, a Value per weight and, to attend, 2 T per dim per layer
  const W = n_embd * (2 * (uchars.length + 1) + block_size + 12 * n_embd * n_layer)
  const need = 200 * (W + block_size * (W + 2 * block_size * n_embd * n_layer))
  const heap = 'bun' in process.versions ? totalmem() : getHeapStatistics().heap_size_limit
  if (need > heap) fail(`these sizes need ${gb(need)}, and the heap holds ${gb(heap)}`)
  const weights = model?.weights(create_model(uchars.length + 1, config, { gauss: () => 0 }))
  const onto = save && existsSync(save) && (statSync(save).isDirectory() ? 'a folder'
    : train && realpathSync(save) === realpathSync(config.input) && 'the input')
  if (onto) fail(`--save ${save}: that is ${onto}`)
  if (save) write_whole('--save', save) // a trial, before training: the folder must take a file
  return { config: { ...config, uchars: model?.uchars, weights }, docs }
}
const blanks = (n = 0) => Array<string>(n).fill('') // as many as the saving run shuffled
const gb = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GB`
const SIZES = ['n_layer', 'n_embd', 'n_head', 'block_size'] as const // what shapes a model
const FORMAT = { format: 'microgpt.ts model', version: 2 } // what a model file starts with
const json = JSON.stringify

/** --save: the model, and the seed and number of documents that let --load draw as this run did. */
export function save_model(config: Config, num_docs: number, uchars: string[], state_dict: object) {
  const finite = Object.values(state_dict).flat(2).every((p: Value) => Number.isFinite(p.data))
  if (!finite) fail(`--save ${config.save}: not saved: training diverged`)
  const sizes = Object.fromEntries(SIZES.map(k => [k, config[k]]))
  const model = { ...FORMAT, seed: `${config.seed}`, num_docs, uchars, ...sizes, state_dict }
  write_whole('--save', config.save, `${json(model, (_, v) => v instanceof Value ? v.data : v)}\n`)
}
/** --load: a model that --save wrote, its sizes and seed read as flags; each part is checked. */
function read_model(path: string) {
  const model = read_file('--load', path, JSON.parse)
  const bad = (what: string) => fail(`--load ${path}: ${what}`)
  if (model?.format !== FORMAT.format || model.version !== 2) bad('not a model that --save wrote')
  const flags = [...SIZES, 'seed'].map(k => `--${k}=${model[k]}`) // read as the flags are
  const settings = named('--load', path, () => parse_flags(flags))
  const { num_docs, uchars, state_dict } = model
  const count = Number.isInteger(num_docs) && num_docs > 0 && num_docs < 2 ** 28 // blanks fit
  if (!count) bad(`its num_docs must be a count of documents, not ${JSON.stringify(num_docs)}`)
  const sorted = Array.isArray(uchars) && json(unique_chars(uchars)) === json(uchars)
  if (!sorted) bad('its uchars must be characters, sorted, each once')
  const shape = (_: string, v: unknown) => (v instanceof Object && !(v instanceof Value) ? v : 0)
  const weights = (made: { state_dict: object }) => { // made by create_model with these sizes
    const weights = Object.values(state_dict ?? {}).flat(2) as number[] // first, as json() recurses
    if (!weights.every(Number.isFinite)) bad('its weights must be finite numbers')
    const same = json(state_dict, shape) === json(made.state_dict, shape)
    return same ? weights : bad('its state_dict does not have the shapes that its sizes give')
  }
  return { settings: { ...settings, num_steps: 0 }, num_docs, uchars: uchars as string[], weights }
}

/** Writes text beside path, then renames it onto path, whole; with no text, a trial write only. */
function write_whole(flag: string, path: string, text: string | Uint8Array = ''): void {
  const temporary = `${path}.${process.pid}.tmp`
  try {
    named(flag, path, () => writeFileSync(temporary, text))
    if (text.length) named(flag, path, () => renameSync(temporary, path))
  } finally { if (existsSync(temporary)) rmSync(temporary) } // the trial's, or a failed write's
}
/** A file as Python's open() reads it, strict UTF-8, then parsed; an error names the file. */
function read_file(flag: string, path: string, parse = (text: string): any => text) {
  const bytes = named(flag, path, () => readFileSync(path))
  const text = named(flag, path, () => UTF8.decode(bytes), 'not UTF-8 text')
  return named(flag, path, () => parse(text))
}
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }) // a BOM stays, as in Python
/** What f() returns; what it throws, as one line that names the flag and the file. */
function named<T>(flag: string, path: string, f: () => T, what = ''): T {
  try { return f() } catch (e) { return fail(`${flag} ${path}: ${what || message(e)}`) }
}
function fail(why: string): never { throw new Error(why) }
const message = (e: unknown) => String(e instanceof Error ? e.message : e).replaceAll('\n', ' ')
  .replace(/^Maximum call stack size exceeded.*/, 'the graph is too deep for backward()')

const NAMES_SHA256 = '0a30b5557f192f32ab962680889aac5f6fda0f4cecf40a6d0b5694f58ea8cc4d'
/** microgpt.py with no input.txt downloads makemore's names.txt: so does this, and checks it. */
async function download(path: string): Promise<void> {
  const url = 'https://raw.githubusercontent.com/karpathy/makemore/988aa59/names.txt'
  const failed = (why: unknown): never => fail(`${path} is missing, and ${url} ${why}; try --input`)
  const response = await fetch(url).catch(e => failed(`could not be fetched (${message(e)})`))
  if (!response.ok) failed(`answered HTTP ${response.status}`)
  const bytes = new Uint8Array(await response.arrayBuffer().catch(e => failed(message(e))))
  const sha256 = createHash('sha256').update(bytes).digest('hex')
  if (sha256 !== NAMES_SHA256) failed(`sent a file whose SHA-256 is not ${NAMES_SHA256}`)
  write_whole('--input', path, bytes)
  process.stderr.write(`microgpt.ts: downloaded ${url} to ${path}\n`)
}
/** The loss for stderr: a bar for the mean of each twentieth of the steps, lowest to highest. */
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
async function cli(args: string[]): Promise<void> {
  let usage = ` (${USAGE}; --help lists the flags)` // while the flags are read
  try {
    if (args.includes('--help') || args.includes('-h')) return void print(HELP())
    const given = parse_flags(args)
    usage = ''
    const t0 = performance.now()
    const { config, docs } = await configure(given)
    const { uchars, state_dict, loss_history } = main(config, docs)
    if (config.save) save_model(config, docs.length, uchars, state_dict)
    const picture = loss_history.length ? `${loss_picture(loss_history)}\n` : ''
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
