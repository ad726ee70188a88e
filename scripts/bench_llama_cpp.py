"""llama.cpp (llama-cpp-python) on the same GGUF, thread count, messages and settings as the
embedded model's bench; prints the same figures."""
import sys
import time

from llama_cpp import Llama

SYSTEM = "You are a friendly, helpful assistant who always talks like a pirate."
USER = ("Explain in a few sentences how a ship's compass works, why sailors trusted it on long "
        "voyages, and what can make it point the wrong way.")

path, threads, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
started = time.perf_counter()
llm = Llama(model_path=path, n_threads=threads, n_threads_batch=threads, n_ctx=2048, verbose=False)
print(f"llama_cpp_load_ms {(time.perf_counter() - started) * 1000:.0f}")
messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": USER}]
prompt_tps, gen_tps = [], []
for _ in range(runs):
    llm.reset()
    t0 = time.perf_counter()
    first = None
    pieces = 0
    for chunk in llm.create_chat_completion(messages, max_tokens=128, temperature=0.0, stream=True):
        if chunk["choices"][0]["delta"].get("content"):
            if first is None:
                first = time.perf_counter()
            pieces += 1
    end = time.perf_counter()
    # Prompt size from llama.cpp's own tokenizer, as the chat template renders it.
    rendered = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages) + "<|im_start|>assistant\n"
    prompt_tokens = len(llm.tokenize(rendered.encode(), add_bos=False, special=True))
    prompt_tps.append(prompt_tokens / (first - t0))
    gen_tps.append((pieces - 1) / max(end - first, 1e-9))
prompt_tps.sort()
gen_tps.sort()
print(f"llama_cpp_prompt_tokens {prompt_tokens}")
print(f"llama_cpp_prompt_tokens_per_s {prompt_tps[len(prompt_tps) // 2]:.1f}")
print(f"llama_cpp_generation_tokens_per_s {gen_tps[len(gen_tps) // 2]:.1f}")
