"""The Custom GPT's architecture in PyTorch, loading the same safetensors file, for the
generation benchmark (scripts/bench-gpt.sh) and as a cross-check: with the same weights, prompt,
seed and sampling (SplitMix64, probabilities in float64), it should write the same text as the
Rust implementation.

    python scripts/gpt_reference.py MODEL_DIR THREADS RUNS [CHARS] [PROMPT]

Prints one JSON line. Standard library plus torch; safetensors is read by hand.
"""
import json
import math
import struct
import sys
import time

import torch
import torch.nn.functional as F

MASK64 = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK64

    def next_u64(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)

    def next_f64(self):
        return (self.next_u64() >> 11) / float(1 << 53)


def load_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (header_len,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + header_len])
    base = 8 + header_len
    tensors = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        if meta["dtype"] != "F32":
            raise SystemExit(f"unexpected dtype {meta['dtype']} for {name}")
        start, end = meta["data_offsets"]
        buf = bytearray(data[base + start : base + end])
        tensors[name] = torch.frombuffer(buf, dtype=torch.float32).reshape(meta["shape"])
    return tensors


class Model:
    def __init__(self, config, w):
        self.c = config
        self.w = w
        self.n_head = config["n_head"]

    def forward(self, ids, cache):
        w, c = self.w, self.c
        t = ids.shape[1]
        offset = cache[0][0].shape[2] if cache[0] is not None else 0
        x = w["transformer.wte.weight"][ids] + w["transformer.wpe.weight"][offset : offset + t]
        for i in range(c["n_layer"]):
            p = f"transformer.h.{i}"
            h = F.layer_norm(x, (c["n_embd"],), w[f"{p}.ln_1.weight"], w[f"{p}.ln_1.bias"], 1e-5)
            qkv = F.linear(h, w[f"{p}.attn.c_attn.weight"], w[f"{p}.attn.c_attn.bias"])
            q, k, v = qkv.split(c["n_embd"], dim=2)
            b = x.shape[0]
            d = c["n_embd"] // self.n_head
            q, k, v = (z.view(b, t, self.n_head, d).transpose(1, 2) for z in (q, k, v))
            if cache[i] is not None:
                k = torch.cat([cache[i][0], k], dim=2)
                v = torch.cat([cache[i][1], v], dim=2)
            cache[i] = (k, v)
            att = (q @ k.transpose(-2, -1)) / math.sqrt(d)
            if t > 1:
                total = k.shape[2]
                mask = torch.ones(t, total, dtype=torch.bool).tril(diagonal=offset)
                att = att.masked_fill(~mask, float("-inf"))
            y = (att.softmax(dim=-1) @ v).transpose(1, 2).reshape(b, t, c["n_embd"])
            x = x + F.linear(y, w[f"{p}.attn.c_proj.weight"], w[f"{p}.attn.c_proj.bias"])
            h = F.layer_norm(x, (c["n_embd"],), w[f"{p}.ln_2.weight"], w[f"{p}.ln_2.bias"], 1e-5)
            h = F.gelu(F.linear(h, w[f"{p}.mlp.c_fc.weight"], w[f"{p}.mlp.c_fc.bias"]), approximate="tanh")
            x = x + F.linear(h, w[f"{p}.mlp.c_proj.weight"], w[f"{p}.mlp.c_proj.bias"])
        x = F.layer_norm(x, (c["n_embd"],), w["transformer.ln_f.weight"], w["transformer.ln_f.bias"], 1e-5)
        return x[:, -1, :] @ w["transformer.wte.weight"].t()


def sample(logits, temperature, rng):
    scaled = [float(l) / temperature for l in logits]
    top = max(scaled)
    weights = [math.exp(v - top) for v in scaled]
    target = rng.next_f64() * sum(weights)
    for i, wt in enumerate(weights):
        if target < wt:
            return i
        target -= wt
    return len(weights) - 1


@torch.no_grad()
def generate(model, stoi, itos, prompt, chars, seed, temperature):
    started = time.perf_counter()
    block = model.c["block_size"]
    ids = [stoi[ch] for ch in prompt] or [stoi["\n"]]
    window = ids[-min(len(ids), max(block - 1, 1)) :]
    cache = [None] * model.c["n_layer"]
    logits = model.forward(torch.tensor([window]), cache)[0].tolist()
    rng = SplitMix64(seed)
    out, first = [], None
    for _ in range(chars):
        nxt = sample(logits, temperature, rng)
        if first is None:
            first = time.perf_counter() - started
        out.append(itos[nxt])
        window.append(nxt)
        if cache[0][0].shape[2] + 1 > block:
            cache = [None] * model.c["n_layer"]
            half = max(min(len(window), block // 2), 1)
            window = window[-half:]
            logits = model.forward(torch.tensor([window]), cache)[0].tolist()
        else:
            logits = model.forward(torch.tensor([[nxt]]), cache)[0].tolist()
    return "".join(out), first, time.perf_counter() - started


def main():
    model_dir, threads, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    chars = int(sys.argv[4]) if len(sys.argv) > 4 else 500
    prompt = sys.argv[5] if len(sys.argv) > 5 else "ROMEO:"
    torch.set_num_threads(threads)
    with open(f"{model_dir}/config.json") as f:
        config = json.load(f)
    with open(f"{model_dir}/vocab.json") as f:
        itos = json.load(f)["chars"]
    stoi = {ch: i for i, ch in enumerate(itos)}
    model = Model(config, load_safetensors(f"{model_dir}/model.safetensors"))
    generate(model, stoi, itos, prompt, chars, 42, 0.8)  # warm-up
    firsts, rates, text = [], [], ""
    for _ in range(runs):
        text, first, total = generate(model, stoi, itos, prompt, chars, 42, 0.8)
        firsts.append(first * 1000.0)
        rates.append(chars / total)
    firsts.sort()
    rates.sort()
    print(json.dumps({
        "implementation": "pytorch",
        "torch": torch.__version__,
        "threads": threads,
        "chars": chars,
        "runs": runs,
        "time_to_first_char_ms": firsts[len(firsts) // 2],
        "chars_per_second": rates[len(rates) // 2],
        "sample": text[:80],
        "text": text,
    }))


if __name__ == "__main__":
    main()
