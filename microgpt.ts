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
import { basename, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

/** Every setting; each is also a flag of the same name: --n_embd 32 or --n_embd=32. */
export const defaults = {
  input: 'names.txt',  // the dataset, one document per line; by default the one beside this file
  seed: 42n as bigint, // random.seed: any integer (a bigint, as Python's are unbounded)
  // model
  n_layer: 1,          // depth: how many transformer blocks
  n_embd: 16,          // width: the size of every embedding
  block_size: 16,      // the longest context in tokens (the longest name has 15 letters)
  n_head: 4,           // attention heads, each attending with n_embd / n_head dimensions
  // training
  learning_rate: 0.01, // Adam's step size at step 0; it decays linearly to 0
  num_steps: 1000,     // training steps, one document each
  // sampling
  temperature: 0.5,    // in (0, 1]: low is safe and repetitive, high is inventive
  num_samples: 20,     // how many names to invent after training
  prefix: '',          // the text that every sample starts with
  // keeping a model
  save: '',            // after training, write the model to this JSON file
  load: '',            // start from a model that --save wrote; --num_steps 0 only samples
}
export type Config = typeof defaults

// ---- 1) dataset, tokenizer, autograd --------------------------------------------------------
/** A text's documents: its lines, stripped as Python's str.strip() does (STRIP, appendix A). */
export const read_docs = (text: string): string[] =>
  text.split(/\r\n|\r|\n/).map(line => line.replace(STRIP, '')).filter(line => line !== '')

// By code point, as Python's sorted() orders them: .sort() alone would put 😀 before Ａ (U+FF21)
/** The vocabulary, uchars: each distinct character, whose index is its token id. */
export const tokenizer = (docs: string[]): string[] =>
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
  // backward()'s bookkeeping:
  mark = 0                  // the stamp of the last pass that reached this node
  next: Value | null = null // the node after this one in that pass's order
  static passes = 0         // the stamps handed out so far

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
    const o = typeof other === 'number' ? new Value(other) : other
    return new Value(this.data + o.data, this, 1, o, 1)
  }
  mul(other: Num): Value { // __mul__ and __rmul__: this * other
    const o = typeof other === 'number' ? new Value(other) : other
    return new Value(this.data * o.data, this, o.data, o, this.data)
  }
  pow(k: number) { return new Value(this.data ** k, this, k * this.data ** (k - 1)) } // __pow__
  log() { return new Value(Math.log(this.data), this, 1 / this.data) }
  exp() { return new Value(Math.exp(this.data), this, Math.exp(this.data)) }
  relu() { return new Value(this.data > 0 ? this.data : 0, this, this.data > 0 ? 1 : 0) }
  neg() { return this.mul(-1) } // __neg__: -this
  sub(o: Num) { return this.add(typeof o === 'number' ? -o : o.neg()) } // __sub__: this + (-o)
  div(o: Num) { return this.mul(typeof o === 'number' ? o ** -1 : o.pow(-1)) } // __truediv__
  static sum(terms: Vec) { // Python's sum(terms), as one node, not a chain of n additions (2x)
    return new Value(terms.reduce((total, t) => total + t.data, 0), null, 0, null, 0, terms)
  }

  /** Adds d(this)/d(node) to the .grad of every node below this one; grads start at 0. */
  backward(): void {
    // 1. Order the nodes as Python's recursive search does, children first, but on a stack of
    // ours. Fresh stamps replace a visited set, leaves stay out, and .next chains the order (2x).
    Value.passes += 2
    const visiting = Value.passes // stamp: on the stack, waiting for its children
    const visited = visiting + 1  // stamp: in the order
    const stack: Vec = [this]
    const push = (c: Value | null) => { // a child still to order; leaves never need it
      if (c && c.mark !== visited && (c.a || c.terms)) stack.push(c)
    }
    let order: Value | null = null // newest first: each node before its children
    for (let v = stack.pop(); v; v = stack.pop()) {
      if (v.mark === visiting) { // back on top, with its children in the order: add it
        v.mark = visited
        v.next = order
        order = v
      } else if (v.mark !== visited) { // first visit: wait on the stack under its children
        v.mark = visiting
        stack.push(v)
        if (v.terms) for (let i = v.terms.length - 1; i >= 0; i--) push(v.terms[i])
        push(v.b)
        push(v.a)
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

/** A GPT: its weights, by name (state_dict) and in one list (params), and its forward pass. */
export function GPT(vocab_size: number, c: Config, random: Random) {
  const { n_layer, n_embd, block_size, n_head } = c
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
/** microgpt.py's run: read, tokenize, train with Adam, then sample, printing what it prints. */
export function main(c: Config, saved: Saved | null = null): void {
  const { block_size, num_steps, temperature, num_samples } = c
  const random = new Random(c.seed) // random.seed(42): the seed fixes the whole run
  const docs = read_docs(readFileSync(c.input, 'utf8')) // names.txt: nothing is downloaded
  check_docs(docs, c, saved) // stop on bad input before printing anything (appendix B)
  random.shuffle(docs)
  print(`num docs: ${docs.length}`)

  // The tokenizer: a token per character, plus BOS, which opens and closes every document
  const uchars = tokenizer(docs)
  const BOS = uchars.length
  const vocab_size = uchars.length + 1
  print(`vocab size: ${vocab_size}`)

  const { state_dict, params, kv_cache, gpt } = GPT(vocab_size, c, random)
  if (saved) load_weights(state_dict, saved) // --load: drawn as usual, then overwritten
  print(`num params: ${params.length}`)

  // Adam, with running means of each gradient (m) and of its square (v)
  const [learning_rate, beta1, beta2, eps_adam] = [c.learning_rate, 0.85, 0.99, 1e-8]
  const m = new Float64Array(params.length)
  const v = new Float64Array(params.length)
  const loss_history: number[] = [] // for the picture of the loss, on stderr

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
    if (loss.data === Infinity) throw new Error(`step ${step + 1}: log(0), where microgpt.py stops`)

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
  draw_loss(loss_history) // on stderr, so stdout stays microgpt.py's (appendix B)
  if (c.save) save_model(c.save, c, uchars, state_dict) // --save, before sampling (appendix B)

  // Inference: from BOS (and --prefix), draw each next token until the model says BOS, the end
  print('\n--- inference (new, hallucinated names) ---')
  const prompt = Array.from(c.prefix, ch => uchars.indexOf(ch)) // --prefix, as token ids
  for (let sample_idx = 0; sample_idx < num_samples; sample_idx++) {
    const keys = kv_cache(), values = kv_cache()
    let token_id = BOS
    const sample = [...c.prefix] // empty without --prefix
    for (const [pos_id, next_id] of prompt.entries()) { // --prefix: read in, nothing drawn
      gpt(token_id, pos_id, keys, values)
      token_id = next_id
    }
    for (let pos_id = prompt.length; pos_id < block_size; pos_id++) {
      const logits = gpt(token_id, pos_id, keys, values)
      const probs = softmax(logits.map(l => l.div(temperature))) // below 1: sharper favourites
      token_id = random.choices(probs.map(p => p.data))
      if (token_id === BOS) break
      sample.push(uchars[token_id])
    }
    print(`sample ${pad(sample_idx + 1, 2)}: ${sample.join('')}`)
  }
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

const USAGE = 'usage: npx tsx microgpt.ts [--name value | --name=value ...]'
/** --help: each flag with its default and its comment in `defaults`, read from this file's
 * source, so a line there must keep the form `name: value, // comment`. */
function help(): string {
  const source = readFileSync(fileURLToPath(import.meta.url), 'utf8')
  const about = (k: string) => new RegExp(`^  ${k}: .*// (.*)$`, 'm').exec(source)?.[1]
  const value = (v: unknown) => (v === '' ? '' : ` (default: ${v})`)
  const line = ([k, v]: [string, unknown]) => `  --${k.padEnd(14)} ${about(k)}${value(v)}`
  return [USAGE, ...Object.entries(defaults).map(line)].join('\n')
}

const KINDS = { // the text that each kind of number takes
  'an integer': /^[+-]?\d+$/,
  'a count (0 or more)': /^\+?\d{1,15}$/,
  'a positive integer': /^\+?0*[1-9]\d{0,14}$/,
  'a number': /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i,
}
const kind_of = (k: keyof Config): keyof typeof KINDS => k === 'seed' ? 'an integer'
  : k === 'learning_rate' || k === 'temperature' ? 'a number'
  : k === 'n_layer' || k === 'num_steps' || k === 'num_samples' ? 'a count (0 or more)'
  : 'a positive integer' // n_embd, n_head and block_size

/** The flags given, each checked and converted: ['--n_embd', '32'] gives { n_embd: 32 }. */
export function parse_flags(args: string[]): Partial<Config> {
  const option = { type: 'string' } as const // every flag takes a value
  const options = Object.fromEntries(Object.keys(defaults).map(k => [k, option]))
  const { values } = parseArgs({ args, options })
  const given: Partial<Config> = {}
  for (const [k, text] of Object.entries(values) as [keyof Config, string][]) {
    const is_text = typeof defaults[k] === 'string'
    const kind = kind_of(k)
    const ok = is_text || KINDS[kind].test(text)
    if (!ok) throw new Error(`--${k} must be ${kind}, not '${text}'`)
    Object.assign(given, { [k]: is_text ? text : k === 'seed' ? BigInt(text) : Number(text) })
  }
  return given
}

const SIZES = ['n_layer', 'n_embd', 'n_head', 'block_size'] as const // what shapes a model
/** A model as --save writes it: a format tag, the characters, the sizes, and every matrix. */
export type Saved = Pick<Config, (typeof SIZES)[number]> &
  { format: string, version: number, uchars: string[], state_dict: Record<string, number[][]> }
const FORMAT = 'microgpt.ts model'
const stat = (path: string) => statSync(path, { throwIfNoEntry: false })

/** A run's settings: the defaults, then the sizes of the --load model, then the flags. */
function settings(given: Partial<Config>, saved: Saved | null): Config {
  const input = fileURLToPath(new URL(defaults.input, import.meta.url)) // beside this file
  const c: Config = { ...defaults, input, ...(saved && pick(saved, SIZES)), ...given }
  for (const k of SIZES) {
    if (saved && given[k] !== undefined && given[k] !== saved[k]) {
      throw new Error(`--${k} ${given[k]} contradicts ${c.load}, which has ${k} ${saved[k]}`)
    }
  }
  // Refused: what microgpt.py cannot run, and what it runs only by accident: an n_embd that
  // n_head does not divide loses columns, and a negative temperature turns the odds around
  if (c.n_embd % c.n_head) throw new Error(`n_embd (${c.n_embd}) must be a multiple of n_head`)
  if (!(c.temperature > 0)) throw new Error(`temperature must be above 0, not ${c.temperature}`)
  // The model is saved after training, so a path that cannot take it is refused before that
  const folder = dirname(c.save)
  if (c.save && !stat(folder)?.isDirectory()) throw new Error(`--save: ${folder} is not a folder`)
  if (c.save && stat(c.save)?.isDirectory()) throw new Error(`--save: ${c.save} is a folder`)
  if (c.save) write_whole(c.save, '') // a trial write: the folder must take a file
  return c
}
const pick = <T, K extends keyof T>(o: T, keys: readonly K[]) =>
  Object.fromEntries(keys.map(k => [k, o[k]]))

/** Stops a run that cannot work, before it prints: no documents, or other characters. */
function check_docs(docs: string[], c: Config, saved: Saved | null): void {
  if (docs.length === 0) throw new Error(`${c.input} has no documents: every line is blank`)
  const uchars = tokenizer(docs)
  const only = (a: string[], b: string[]) => a.filter(x => !b.includes(x))
  const show = (chars: string[]) => JSON.stringify(chars.slice(0, 20).join('')) + // a few of them
    (chars.length > 20 ? ` and ${chars.length - 20} more` : '')
  if (saved && saved.uchars.join('') !== uchars.join('')) {
    const adds = (a: string[], b: string[]) => (only(a, b).length ? show(only(a, b)) : 'nothing')
    throw new Error(`${c.load} was trained on other characters than ${c.input}, which adds ` +
      `${adds(uchars, saved.uchars)} and lacks ${adds(saved.uchars, uchars)}`)
  }
  const unknown = only([...c.prefix], uchars)
  if (unknown.length) throw new Error(`--prefix: ${c.input} has none of ${show(unknown)}`)
  const room = [...c.prefix].length < c.block_size
  if (!room) throw new Error(`--prefix must be shorter than block_size (${c.block_size})`)
}

/** The model that --save wrote to this file, checked for the fields and shapes that it needs. */
function read_model(path: string): Saved {
  const fail = (why: string): never => { throw new Error(`--load ${path}: ${why}`) }
  let m: Saved
  try {
    m = JSON.parse(readFileSync(path, 'utf8'))
  } catch (e) {
    return fail(message(e))
  }
  const code = (ch: unknown) => String(ch).codePointAt(0)!
  const in_order = (ch: unknown, i: number, all: unknown[]) => typeof ch === 'string' &&
    [...ch].length === 1 && (i === 0 || code(ch) > code(all[i - 1]))
  const needs: [unknown, string][] = [
    [m?.format === FORMAT && m.version === 1, `"format": "${FORMAT}" and "version": 1`],
    [Array.isArray(m?.uchars) && m.uchars.length && m.uchars.every(in_order), '"uchars", in order'],
    [SIZES.every(k => Number.isInteger(m?.[k]) && m[k] >= (k === 'n_layer' ? 0 : 1)), 'the sizes'],
    [m?.n_embd % m?.n_head === 0, 'an n_head that divides n_embd'],
    [m?.state_dict instanceof Object, '"state_dict"'],
  ]
  const missing = needs.find(([ok]) => !ok)
  if (missing) fail(`not a model that microgpt.ts saved: it needs ${missing[1]}`)
  const { n_layer, n_embd, block_size } = m // the parameter count, before a model of these sizes
  const count = 12 * n_layer * n_embd ** 2 + (2 * m.uchars.length + 2 + block_size) * n_embd
  const numbers = Object.values(m.state_dict).flat(2).length
  if (numbers !== count) fail(`its matrices hold ${numbers} weights, and its sizes need ${count}`)
  const model = GPT(m.uchars.length + 1, { ...defaults, ...pick(m, SIZES) }, new Random(0))
  const names = Object.keys(model.state_dict)
  if (Object.keys(m.state_dict).join() !== names.join()) fail(`"state_dict" must hold ${names}`)
  for (const [name, mat] of Object.entries(model.state_dict)) {
    const [rows, cols] = [mat.length, mat[0].length]
    const is_row = (r: unknown) => Array.isArray(r) && r.length === cols && r.every(Number.isFinite)
    const w = m.state_dict[name]
    const ok = Array.isArray(w) && w.length === rows && w.every(is_row)
    if (!ok) fail(`"${name}" must be ${rows} x ${cols} numbers`)
  }
  return m
}

/** --load: the saved weights, in place of the drawn ones. */
function load_weights(state_dict: Record<string, Mat>, saved: Saved): void {
  for (const [name, mat] of Object.entries(state_dict)) {
    mat.forEach((row, r) => row.forEach((p, i) => { p.data = saved.state_dict[name][r][i] }))
  }
}

/** --save: the model as JSON, first to a file beside PATH, then renamed: whole or not at all. */
function save_model(path: string, c: Config, uchars: string[], state_dict: Record<string, Mat>) {
  const numbers = ([k, mat]: [string, Mat]) => [k, mat.map(row => row.map(p => p.data))]
  const matrices = Object.fromEntries(Object.entries(state_dict).map(numbers))
  const model = { format: FORMAT, version: 1, uchars, ...pick(c, SIZES), state_dict: matrices }
  const json = JSON.stringify(model)
  const diverged = json.includes('null') // JSON writes NaN and infinities as null
  if (diverged) throw new Error(`--save ${path}: not saved: training diverged to NaN`)
  write_whole(path, `${json}\n`)
}

/** Writes a file beside PATH, then renames it onto PATH: PATH is whole or untouched. Or, given
 * no text, only checks that the folder takes a file. */
function write_whole(path: string, text: string): void {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`)
  try {
    writeFileSync(temporary, text)
    if (text) renameSync(temporary, path)
  } catch (e) {
    throw new Error(`--save ${path}: ${message(e)}`)
  } finally {
    rmSync(temporary, { force: true })
  }
}

/** Draws the training loss on stderr: the mean of each twentieth of the steps, as a bar. */
function draw_loss(losses: number[]): void {
  if (losses.length === 0) return
  const n = Math.min(20, losses.length)
  const start = (i: number) => Math.floor(i * losses.length / n) // bar i's first step
  const mean = (part: number[]) => part.reduce((a, b) => a + b, 0) / part.length
  const means = Array.from({ length: n }, (_, i) => mean(losses.slice(start(i), start(i + 1))))
  const lo = Math.min(...means.filter(Number.isFinite))
  const hi = Math.max(...means.filter(Number.isFinite))
  const heights = '▁▂▃▄▅▆▇█'
  const height = (m: number) => (hi > lo ? Math.round((m - lo) / (hi - lo) * 7) : 3)
  const bar = (m: number) => (Number.isFinite(m) ? heights[height(m)] : '?') // NaN: '?'
  const each = n < 20 ? 'each step' : 'each twentieth of the steps'
  const lead = process.stdout.isTTY && process.stderr.isTTY ? '\n' : '' // below the step line
  const line = `loss ${fixed(means[0], 2)} ${means.map(bar).join('')} ${fixed(means[n - 1], 2)}`
  process.stderr.write(`${lead}${line}   (the mean of ${each}, first to last)\n`)
}

const message = (e: unknown) => String(e instanceof Error ? e.message : e).replaceAll('\n', ' ')

/** Runs the program: an error is one line on stderr, with the usage if a flag was wrong. */
function cli(args: string[]): void {
  const fail = (e: unknown, usage = '') => {
    process.stderr.write(`microgpt.ts: ${message(e)}${usage}\n`)
    process.exitCode = 1
  }
  let given: Partial<Config>
  try {
    given = parse_flags(args)
  } catch (e) {
    return fail(e, ` (${USAGE}; --help lists the flags)`)
  }
  const t0 = performance.now()
  try {
    const saved = given.load ? read_model(given.load) : null
    const c = settings(given, saved)
    main(c, saved)
    const ms = Math.round(performance.now() - t0)
    process.stderr.write(`trained ${c.num_steps} steps and sampled in ${ms} ms\n`)
  } catch (e) {
    return fail(e)
  }
}

// ---- the entry point: only when run as a program, so that importing this file runs nothing ---
const meta = import.meta as { main?: boolean, url: string } // Node 20 has no import.meta.main
const argv1 = process.argv[1] ?? ''
const is_main = meta.main ?? (existsSync(argv1) && realpathSync(argv1) === fileURLToPath(meta.url))
if (is_main && process.argv.includes('--help')) {
  print(help())
} else if (is_main) {
  cli(process.argv.slice(2))
}
