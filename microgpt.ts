/**
 * microgpt.ts: Karpathy's microgpt.py in TypeScript, to read beside it. A GPT learns by guessing
 * each next token and nudging every weight to be less surprised; all of that is here, from the
 * autograd up, and bigger models add only speed and scale.
 *   npx tsx microgpt.ts [--name value ...]   (or node 22.18+, bun, or deno run --allow-read)
 * - One file of erasable TypeScript that imports only node: built-ins.
 * - A twin of microgpt.py (gist revision 14fb038): the same stdout, once its '\r' are read as
 *   '\n', for the same input and settings: every loss digit and every sampled name.
 * - Sections 1 to 3 are the algorithm; the appendices are plumbing that you can skip.
 */
import { existsSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync }
  from 'node:fs'
import { totalmem } from 'node:os'
import { fileURLToPath } from 'node:url'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { getHeapStatistics } from 'node:v8'

/** Every setting, each also a flag of the same name (--n_embd 32 or --n_embd=32): its default,
 * the kind of value that it takes (KINDS, appendix B), and what it does. */
export const settings = {
  input: ['names.txt', 'text', 'the dataset, one document a line; by default beside microgpt.ts'],
  seed: [42n, 'integer', 'random.seed: any integer, of any length; the same seed, the same run'],
  // model
  n_layer: [1, 'count', 'depth: how many transformer blocks'],
  n_embd: [16, 'size', 'width: the size of every embedding; a multiple of n_head'],
  block_size: [16, 'size', 'the longest context in tokens (the longest name has 15 letters)'],
  n_head: [4, 'size', 'attention heads, each attending with n_embd / n_head dimensions'],
  // training
  learning_rate: [0.01, 'number', "Adam's step size at step 0; it decays linearly to 0"],
  num_steps: [1000, 'count', 'training steps, one document each; with 0, it only samples'],
  // sampling
  temperature: [0.5, 'number', 'above 0: low is safe and repetitive, high is inventive'],
  num_samples: [20, 'count', 'how many names to invent after training'],
  prefix: ['', 'text', 'the text that every sample starts with'],
  // keeping a model
  save: ['', 'text', 'after training, write the model to this JSON file'],
  load: ['', 'text', 'start from a model that --save wrote, and its sizes; 0 steps only sample'],
} satisfies Record<string, [unknown, keyof typeof KINDS, string]>
export type Config = { [k in keyof typeof settings]: (typeof settings)[k][0] }
/** Each setting's default value: { input: 'names.txt', seed: 42n, ... }. */
export const defaults = Object.fromEntries(Object.entries(settings).map(([k, [value]]) =>
  [k, value])) as Config

// ---- 1) dataset, tokenizer, autograd --------------------------------------------------------
/** A text's documents: its lines, stripped as Python's str.strip() does (STRIP, appendix A). */
export const read_docs = (text: string): string[] =>
  text.split(/\r\n|\r|\n/).map(line => line.replace(STRIP, '')).filter(line => line !== '')

/** uchars: the documents' characters, by code point as Python sorts them; index = token id. */
export const unique_chars = (docs: string[]): string[] =>
  [...new Set(docs.join(''))].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!)

// Autograd: each op records its children and its local gradients, d(op)/d(child)
type Num = Value | number // an operand; a plain number becomes a constant leaf, as in Python
export type Vec = Value[] // a vector
export type Mat = Vec[]   // a matrix, [nout][nin]: a row per output
/** A scalar that remembers how it was made, so that backward() can apply the chain rule. */
export class Value {
  data: number              // the number, from the forward pass
  grad = 0                  // d(loss)/d(this), from the backward pass
  // Python's _children and _local_grads, in fixed fields rather than tuples (2x faster):
  a: Value | null           // the first child, if any
  da: number                // d(this)/d(a), its local gradient
  b: Value | null           // the second child, if any
  db: number                // d(this)/d(b)
  terms: Vec | null         // or, for a sum, all its children, each with a local gradient of 1

  constructor(data: number, a: Value | null = null, da = 0, b: Value | null = null, db = 0,
    terms: Vec | null = null) {
    this.data = data
    this.a = a
    this.da = da
    this.b = b
    this.db = db
    this.terms = terms
  }

  add(other: Num): Value { // __add__ and __radd__: this + other
    other = typeof other === 'number' ? new Value(other) : other
    return new Value(this.data + other.data, this, 1, other, 1)
  }
  mul(other: Num): Value { // __mul__ and __rmul__: this * other
    other = typeof other === 'number' ? new Value(other) : other
    return new Value(this.data * other.data, this, other.data, other, this.data)
  }
  pow(k: number) { return new Value(this.data ** k, this, k * this.data ** (k - 1)) } // __pow__
  log() { // like Python's math.log, it refuses 0, which is where microgpt.py stops
    if (this.data <= 0) throw new Error(`math domain error: log(${this.data}), as in Python`)
    return new Value(Math.log(this.data), this, 1 / this.data)
  }
  exp() { return new Value(Math.exp(this.data), this, Math.exp(this.data)) }
  relu() { return new Value(this.data > 0 ? this.data : 0, this, this.data > 0 ? 1 : 0) }
  neg() { return this.mul(-1) } // __neg__: -this
  sub(other: Num) { return this.add(typeof other === 'number' ? -other : other.neg()) } // __sub__
  div(other: Num) { return this.mul(typeof other === 'number' ? other ** -1 : other.pow(-1)) }
  static sum(terms: Vec) { // Python's sum(terms), as one node, not n additions (2x faster)
    return new Value(terms.reduce((total, t) => total + t.data, 0), null, 0, null, 0, terms)
  }

  // backward()'s bookkeeping, in place of a visited set and a list (2x faster):
  mark = 0                  // the stamp of the last pass that reached this node
  next: Value | null = null // the node after this one in that pass's order
  static passes = 0         // the stamps handed out so far

  /** Adds d(this)/d(node) to the .grad of every node below this one; grads start at 0. */
  backward(): void {
    // 1. Order the nodes children first, as Python's recursive build_topo does, but on a stack
    // of ours, which deep graphs cannot overflow. Stamps replace its visited set; leaves stay out.
    Value.passes += 2
    const visiting = Value.passes // stamp: on the stack, waiting for its children
    const visited = visiting + 1  // stamp: in the order
    const stack: Vec = [this]
    let order: Value | null = null // Python's reversed(topo), chained through .next
    for (let v = stack.pop(); v; v = stack.pop()) {
      if (v.mark === visiting) { // back on top, with its children in the order: add it
        v.mark = visited
        v.next = order
        order = v
      } else if (v.mark !== visited && (v.a || v.terms)) { // first visit, and not a leaf:
        v.mark = visiting // wait on the stack under its children, the first of them on top
        stack.push(v)
        if (v.terms) for (let i = v.terms.length - 1; i >= 0; i--) stack.push(v.terms[i])
        if (v.b) stack.push(v.b)
        if (v.a) stack.push(v.a)
      }
    }
    // 2. The chain rule, from the loss down: each node passes on its gradient once it is whole
    this.grad = 1
    for (let v = order; v !== null; v = v.next) {
      if (v.terms) for (const t of v.terms) t.grad += v.grad
      if (v.a) v.a.grad += v.da * v.grad
      if (v.b) v.b.grad += v.db * v.grad
    }
  }
}

// ---- 2) the GPT model: GPT-2, with RMSNorm for LayerNorm, no biases, and ReLU for GeLU ------
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

/** A GPT's weights, by name (state_dict) and in one list (params), and its forward pass, gpt. */
export function create_model(vocab_size: number, config: Config, random: Random) {
  const { n_layer, n_embd, block_size, n_head } = config
  const head_dim = n_embd / n_head // each head's slice; appendix B checks that n_head divides
  const weight = (std: number) => new Value(random.gauss(0, std)) // small and random, to start
  const matrix = (nout: number, nin: number, std = 0.08): Mat =>
    Array.from({ length: nout }, () => Array.from({ length: nin }, () => weight(std)))
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

    const logits = linear(x, state_dict.lm_head)
    return logits
  }
  return { state_dict, params, kv_cache, gpt }
}

// ---- 3) training and inference --------------------------------------------------------------
/** microgpt.py's run, printing what it prints; returns each step's loss, for the picture. */
export function main(config: Config, weights: number[] | null = null): number[] {
  const { block_size, num_steps, temperature, num_samples, prefix } = config
  const random = new Random(config.seed) // random.seed(42): the seed fixes the whole run
  const docs = read_docs(readFileSync(config.input, 'utf8')) // microgpt.py downloads its input.txt
  random.shuffle(docs)
  print(`num docs: ${docs.length}`)

  // The tokenizer: a token per character, plus BOS, which opens and closes every document
  const uchars = unique_chars(docs)
  const BOS = uchars.length
  const vocab_size = uchars.length + 1
  print(`vocab size: ${vocab_size}`)

  const { state_dict, params, kv_cache, gpt } = create_model(vocab_size, config, random)
  if (weights) params.forEach((p, i) => { p.data = weights[i] }) // --load, after the same draws
  print(`num params: ${params.length}`)

  // Adam, with running means of each gradient (m) and of its square (v)
  const [learning_rate, beta1, beta2, eps_adam] = [config.learning_rate, 0.85, 0.99, 1e-8]
  const m = new Float64Array(params.length)
  const v = new Float64Array(params.length)
  const loss_history: number[] = [] // for the picture of the loss on stderr (appendix B)

  for (let step = 0; step < num_steps; step++) {

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
    for (const [i, p] of params.entries()) {
      m[i] = beta1 * m[i] + (1 - beta1) * p.grad
      v[i] = beta2 * v[i] + (1 - beta2) * p.grad ** 2
      const m_hat = m[i] / (1 - beta1 ** (step + 1))
      const v_hat = v[i] / (1 - beta2 ** (step + 1))
      p.data -= lr_t * m_hat / (v_hat ** 0.5 + eps_adam)
      p.grad = 0
    }

    print(`step ${pad(step + 1, 4)} / ${pad(num_steps, 4)} | loss ${fixed(loss.data, 4)}`, '\r')
    loss_history.push(loss.data)
  }
  if (config.save) save_model(config, uchars, state_dict) // --save, before sampling (appendix B)

  // Inference: from BOS (and --prefix), draw each next token until the model says BOS, the end
  print('\n--- inference (new, hallucinated names) ---')
  const prompt = [BOS, ...Array.from(prefix, ch => uchars.indexOf(ch))] // BOS, then --prefix
  for (let sample_idx = 0; sample_idx < num_samples; sample_idx++) {
    const keys = kv_cache(), values = kv_cache()
    prompt.slice(0, -1).forEach((id, pos_id) => gpt(id, pos_id, keys, values)) // into the cache
    let token_id = prompt.at(-1)! // BOS, or the last character of --prefix
    const sample = [...prefix] // empty without --prefix
    for (let pos_id = prompt.length - 1; pos_id < block_size; pos_id++) {
      const logits = gpt(token_id, pos_id, keys, values)
      const probs = softmax(logits.map(l => l.div(temperature))) // below 1: sharper favourites
      token_id = random.choices(probs.map(p => p.data))
      if (token_id === BOS) break
      sample.push(uchars[token_id])
    }
    print(`sample ${pad(sample_idx + 1, 2)}: ${sample.join('')}`)
  }
  return loss_history
}

// ---- appendix A: Python's random, bit for bit, and its str.strip() ---------------------------
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
      const x_i = x[i]
      x[i] = x[j]
      x[j] = x_i
    }
  }
  choices(weights: number[]): number { // choices(range(len(weights)), weights)[0]
    const cum_weights: number[] = []
    for (const w of weights) cum_weights.push((cum_weights.at(-1) ?? 0) + w)
    const total = cum_weights.at(-1) ?? 0
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

// ---- appendix B: the command line ------------------------------------------------------------
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

const KINDS = { // each kind of setting: the text that it takes, how that is read, and its name
  text: [/^/, String, 'text'], // anything
  integer: [/^[+-]?\d+$/, BigInt, 'an integer'],
  count: [/^\+?\d{1,15}$/, Number, 'a count (0 or more, at most 15 digits)'],
  size: [/^\+?0*[1-9]\d{0,14}$/, Number, 'a positive integer (at most 15 digits)'],
  number: [/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i, Number, 'a number'],
} as const
const USAGE = 'usage: npx tsx microgpt.ts [--name value | --name=value ...]'
/** --help: a line per flag, with what it does and any default. */
const help_text = () => [USAGE, ...Object.entries(settings).map(([k, [value, _kind, what]]) =>
  `  --${k.padEnd(14)} ${what}${value === '' ? '' : ` (default: ${value})`}`)].join('\n')

/** The flags given, each checked and read: ['--n_embd', '32'] gives { n_embd: 32 }. */
export function parse_flags(args: string[]): Partial<Config> & { help?: boolean } {
  const options = Object.fromEntries(Object.keys(settings).map(k => [k, { type: 'string' }]))
  const help = { type: 'boolean', short: 'h' } // --help and -h take no value; the rest take one
  const values = parseArgs({ args, options: { ...options, help } as ParseArgsConfig['options'] })
    .values as Record<string, unknown>
  const given: Partial<Config> & { help?: boolean } = values.help ? { help: true } : {}
  for (const [k, [, kind]] of Object.entries(settings)) {
    const text = values[k]
    if (typeof text !== 'string') continue
    const [pattern, read, name] = KINDS[kind]
    if (!pattern.test(text)) throw new Error(`--${k} must be ${name}, not '${text}'`)
    Object.assign(given, { [k]: read(text) })
  }
  return given
}

/** The run's settings (the defaults, then the --load model's sizes, then the flags) and the
 * model's weights, all checked before anything is built or printed. */
export function configure(given: Partial<Config>): [Config, number[] | null] {
  const input = fileURLToPath(new URL(defaults.input, import.meta.url)) // beside this file
  const saved = given.load ? read_model(given.load) : null
  const config: Config = { ...defaults, input, ...saved?.sizes, ...given }
  const { n_layer, n_embd, n_head, block_size, temperature, prefix, save, load } = config
  const clash = saved && SIZES.find(k => config[k] !== saved.sizes[k])
  if (clash) throw new Error(`--${clash} contradicts ${load}: it has ${saved?.sizes[clash]}`)
  // Refused: what microgpt.py cannot run, and what it runs only by accident: an n_embd that
  // n_head does not divide loses columns, and a negative temperature turns the odds around
  if (n_embd % n_head) throw new Error(`n_embd ${n_embd} must be a multiple of n_head ${n_head}`)
  if (!(temperature > 0)) throw new Error(`temperature must be above 0, not ${temperature}`)
  const text = attempt(() => readFileSync(config.input, 'utf8'), `--input ${config.input}`)
  const docs = read_docs(text)
  if (docs.length === 0) throw new Error(`${config.input} has no documents: every line is blank`)
  const uchars = unique_chars(docs)
  const chars = (x: unknown) => String(JSON.stringify(Array.isArray(x) ? x.join('') : x))
  if (saved && JSON.stringify(saved.uchars) !== JSON.stringify(uchars)) {
    throw new Error(`${load} has the characters ${chars(saved.uchars)}, the input ${chars(uchars)}`)
  }
  const unknown = [...prefix].filter(ch => !uchars.includes(ch)).join('')
  if (unknown) throw new Error(`--prefix: the input has none of ${JSON.stringify(unknown)}`)
  if ([...prefix].length >= block_size) throw new Error(`--prefix must be under ${block_size} long`)
  // The weights and one step's graph, at about 150 bytes a Value, must fit in the heap. Over
  // n_embd, each of T tokens makes 12 n_embd nodes a layer for q, k, v, o and the MLP, 2 T for
  // attention and V for lm_head; the weights are 12 n_embd a layer, 2 V and block_size.
  const V = uchars.length + 1
  const T = Math.min(block_size, docs.reduce((most, doc) => Math.max(most, doc.length + 1), 0))
  const per_layer = (T + 1) * 12 * n_embd + 2 * T * T
  const nodes = n_embd * (per_layer * n_layer + (T + 2) * V + block_size)
  const bun = 'bun' in process.versions // whose engine grows its heap up to the machine's memory
  const heap = (bun ? totalmem() : getHeapStatistics().heap_size_limit) / 2 ** 30
  const need = 150 * nodes / 2 ** 30
  if (need > heap) throw new Error(`these sizes need ${gb(need)}, and the heap holds ${gb(heap)}`)
  const model = saved && create_model(V, config, new Random(0)) // for the shapes of its weights
  const folder = save && existsSync(save) && statSync(save).isDirectory()
  if (folder) throw new Error(`--save ${save}: that is a folder`)
  const overwrite = save && existsSync(save) && realpathSync(save) === realpathSync(config.input)
  if (overwrite) throw new Error(`--save ${save}: that is the input`)
  if (save) write_whole(save) // a trial write, before training: the folder must take a file
  return [config, model ? saved_weights(saved!, model.state_dict) : null]
}
const gb = (x: number) => `${x < 10 ? x.toFixed(1) : Math.round(x)} GB`

const SIZES = ['n_layer', 'n_embd', 'n_head', 'block_size'] as const // what shapes a model
const FORMAT = 'microgpt.ts model'
type Saved = { path: string, uchars: unknown, sizes: Partial<Config>, state_dict: unknown }

/** --load: the model in a file that --save wrote; the flags' checks apply to its sizes. */
function read_model(path: string): Saved {
  const model = attempt(() => JSON.parse(readFileSync(path, 'utf8')), `--load ${path}`)
  const ours = model?.format === FORMAT && model.version === 1
  if (!ours) throw new Error(`--load ${path}: not a model that microgpt.ts saved`)
  const flags = SIZES.map(k => `--${k}=${model[k]}`) // the flags' checks, on the file's sizes
  const sizes = attempt(() => parse_flags(flags), `--load ${path}: its sizes`)
  return { path, uchars: model.uchars, sizes, state_dict: model.state_dict }
}

/** --load: the file's weights, once its matrices have the names and shapes of the model's. */
function saved_weights(saved: Saved, state_dict: Record<string, Mat>): number[] {
  const file: Record<string, unknown> = Object(saved.state_dict)
  // A matrix with each number (or Value) as 0: what is left is its shape, and anything else
  const shape = (x: unknown) =>
    JSON.stringify(x, (_, v) => (Number.isFinite(v) || v instanceof Value ? 0 : v))
  const names = Object.keys({ ...state_dict, ...file }) // the model's, then any others
  const wrong = names.find(k => shape(file[k]) !== shape(state_dict[k]))
  const mat = wrong && state_dict[wrong]
  const should = mat ? `should be ${mat.length} x ${mat[0].length} numbers` : 'is not in the model'
  if (wrong) throw new Error(`--load ${saved.path}: "${wrong}" ${should}`)
  return Object.keys(state_dict).flatMap(k => (file[k] as number[][]).flat())
}

/** --save: the model as JSON (a Value is written as its data), unless training diverged. */
function save_model(config: Config, uchars: string[], state_dict: Record<string, Mat>): void {
  const diverged = Object.values(state_dict).flat(2).some(p => !Number.isFinite(p.data))
  if (diverged) throw new Error(`--save ${config.save}: not saved: training diverged`)
  const sizes = Object.fromEntries(SIZES.map(k => [k, config[k]]))
  const model = { format: FORMAT, version: 1, uchars, ...sizes, state_dict }
  const json = JSON.stringify(model, (_, x) => (x instanceof Value ? x.data : x))
  write_whole(config.save, `${json}\n`)
}

/** Writes text to a new file beside path, then renames it onto path, so path is whole or as it
 * was. Without text, it only tries that the folder takes a new file. */
function write_whole(path: string, text?: string): void {
  const temporary = `${path}.${process.pid}.tmp`
  try {
    attempt(() => writeFileSync(temporary, text ?? ''), `--save ${path}`)
    if (text !== undefined) attempt(() => renameSync(temporary, path), `--save ${path}`)
  } finally {
    if (existsSync(temporary)) rmSync(temporary) // the trial's file, or a failed write's
  }
}

/** Runs f; an error that it throws gets what was being done put in front. */
function attempt<T>(f: () => T, what: string): T {
  try {
    return f()
  } catch (e) {
    throw new Error(`${what}: ${message(e)}`)
  }
}
const message = (e: unknown) => String(e instanceof Error ? e.message : e).replaceAll('\n', ' ')

/** The loss picture for stderr: the mean of each twentieth of the steps, as a bar, with the
 * first and last of those means in numbers. */
export function loss_picture(losses: number[]): string {
  const n = Math.min(20, losses.length)
  const start = (i: number) => Math.floor(i * losses.length / n) // bar i's first step
  const mean = (part: number[]) => part.reduce((a, b) => a + b, 0) / part.length
  const means = Array.from({ length: n }, (_, i) => mean(losses.slice(start(i), start(i + 1))))
  const finite = means.filter(Number.isFinite) // a NaN mean gets a '?'
  const [lo, hi] = [Math.min(...finite), Math.max(...finite)]
  const height = (m: number) => (hi > lo ? Math.round((m - lo) / (hi - lo) * 7) : 3)
  const bar = (m: number) => (Number.isFinite(m) ? '▁▂▃▄▅▆▇█'[height(m)] : '?')
  const each = n < 20 ? 'each step' : 'each twentieth of the steps'
  const line = `loss ${fixed(means[0], 2)} ${means.map(bar).join('')} ${fixed(means[n - 1], 2)}`
  return `${line}   (the mean of ${each}, first to last)`
}

/** Runs the program: an error is one line on stderr, with the usage if a flag was wrong. */
function cli(args: string[]): void {
  let reading_flags = true
  try {
    const { help, ...given } = parse_flags(args)
    reading_flags = false
    if (help) return void print(help_text())
    const t0 = performance.now()
    const [config, weights] = configure(given)
    const losses = main(config, weights)
    if (losses.length) process.stderr.write(`${loss_picture(losses)}\n`)
    const ms = Math.round(performance.now() - t0)
    process.stderr.write(`trained ${config.num_steps} steps and sampled in ${ms} ms\n`)
  } catch (e) {
    const usage = reading_flags ? ` (${USAGE}; --help lists the flags)` : ''
    process.stderr.write(`microgpt.ts: ${message(e)}${usage}\n`)
    process.exitCode = 1
  }
}

// ---- the entry point: only when run as a program, so that importing this file runs nothing ---
const meta = import.meta as { main?: boolean, url: string } // Node before 24.2 has no .main
const argv1 = process.argv[1] ?? ''
const is_main = meta.main ?? (existsSync(argv1) && realpathSync(argv1) === fileURLToPath(meta.url))
if (is_main) cli(process.argv.slice(2))
