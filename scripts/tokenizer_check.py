"""llama.cpp's token ids for the texts the embedded tokenizer is checked on (the reference for
crates/llm-embedded/tests/tokenizer.rs). Usage: python scripts/tokenizer_check.py MODEL.gguf
(llama-cpp-python, as scripts/bench-llm.sh installs it). Prints one JSON line per text."""
import json
import sys

from llama_cpp import Llama

TEXTS = [
    "Where is order 1013? My email is lucas.rossi@example.com",
    "It costs $249.99 (2 x 124.50), shipped to 60601-1234.",
    "Call +1 (555) 123-4567 before 2026-12-01, 3:45pm.",
    "<|im_start|>user\nCancel order 1007 please<|im_end|>\n<|im_start|>assistant\n",
    "Ahoy, me hearty! Arr, 'tis 10 o'clock.",
]

llm = Llama(model_path=sys.argv[1], vocab_only=True, verbose=False)
for text in TEXTS:
    ids = llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)
    print(json.dumps({"text": text, "ids": ids}))
