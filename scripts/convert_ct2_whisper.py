#!/usr/bin/env python3
"""Converts a Whisper model in CTranslate2's format (`model.bin`, possibly split in parts) into
safetensors with the tensor names candle-transformers' Whisper expects (Hugging Face's layout),
with the standard library alone.

CTranslate2's model.bin (format version 6): u32 version, spec name (u16 length + bytes), u32 spec
revision, u32 variable count; per variable its name (u16 length + bytes), rank (u8), dims (u32 each),
dtype (u8), byte count (u32) and the little-endian data; then the aliases. CTranslate2 fuses the
attention projections: self-attention's q, k and v are one (3d, d) matrix whose k bias is zero
(Whisper's k projection has none), and cross-attention's k and v are one (2d, d) matrix. They are
split back here, row ranges of the same bytes, so the weights stay bit for bit what was shipped.

    convert_ct2_whisper.py OUT.safetensors PART [PART...]
"""
import json
import re
import struct
import sys

# CTranslate2 dtype codes -> (safetensors dtype, bytes per element)
DTYPES = {0: ("F32", 4), 1: ("I8", 1), 2: ("I16", 2), 3: ("I32", 4), 4: ("F16", 2), 5: ("BF16", 2)}


class Joined:
    """Reads the parts as one stream, without writing the joined file."""

    def __init__(self, paths):
        self.files = [open(p, "rb") for p in paths]
        self.index = 0

    def read(self, n):
        out = b""
        while len(out) < n and self.index < len(self.files):
            chunk = self.files[self.index].read(n - len(out))
            if not chunk:
                self.index += 1
                continue
            out += chunk
        if len(out) != n:
            raise ValueError("model.bin ends early: are both parts complete?")
        return out

    def unpack(self, fmt):
        return struct.unpack("<" + fmt, self.read(struct.calcsize("<" + fmt)))


def read_string(stream):
    (length,) = stream.unpack("H")
    return stream.read(length).rstrip(b"\0").decode()


def read_variables(stream):
    (version,) = stream.unpack("I")
    if version != 6:
        raise ValueError(f"CTranslate2 format version {version}; this converter reads version 6")
    spec = read_string(stream)
    if spec != "WhisperSpec":
        raise ValueError(f"the model is a {spec}, not a WhisperSpec")
    stream.unpack("I")  # spec revision
    (count,) = stream.unpack("I")
    variables = {}
    for _ in range(count):
        name = read_string(stream)
        (rank,) = stream.unpack("B")
        dims = list(stream.unpack("I" * rank)) if rank else []
        (code,) = stream.unpack("B")
        (nbytes,) = stream.unpack("I")
        data = stream.read(nbytes)
        if code not in DTYPES:
            raise ValueError(f"{name}: unknown dtype code {code}")
        variables[name] = (dims, code, data)
    return variables


def rows(tensor, start, end):
    """Rows start..end of a 1-D or 2-D tensor, as a new tensor over the same bytes."""
    dims, code, data = tensor
    row_bytes = len(data) // dims[0]
    return [end - start] + dims[1:], code, data[start * row_bytes : end * row_bytes]


def is_zero(tensor):
    return not any(tensor[2])


def convert(variables):
    out = {}

    def put(name, tensor):
        out[name] = tensor

    def linear(prefix, source):
        put(prefix + ".weight", variables[source + "/weight"])
        if source + "/bias" in variables:
            put(prefix + ".bias", variables[source + "/bias"])

    def norm(prefix, source):
        put(prefix + ".weight", variables[source + "/gamma"])
        put(prefix + ".bias", variables[source + "/beta"])

    def fused(prefix, source, names):
        """Splits a fused projection; k has no bias in Whisper, so its (zero) bias is dropped."""
        weight, bias = variables[source + "/weight"], variables[source + "/bias"]
        width = weight[0][0] // len(names)
        for i, name in enumerate(names):
            put(f"{prefix}.{name}.weight", rows(weight, i * width, (i + 1) * width))
            part = rows(bias, i * width, (i + 1) * width)
            if name == "k_proj":
                if not is_zero(part):
                    raise ValueError(f"{source}: the k bias is not zero; this is not Whisper")
            else:
                put(f"{prefix}.{name}.bias", part)

    layers = {"encoder": 0, "decoder": 0}
    for name in variables:
        parts = name.split("/")
        if len(parts) > 1 and re.fullmatch(r"layer_\d+", parts[1]):
            layers[parts[0]] = max(layers[parts[0]], int(parts[1][len("layer_") :]) + 1)

    e, d = "model.encoder", "model.decoder"
    linear(e + ".conv1", "encoder/conv1")
    linear(e + ".conv2", "encoder/conv2")
    put(e + ".embed_positions.weight", variables["encoder/position_encodings/encodings"])
    def self_attention_and_ffn(src, dst):
        """The parts every layer has, encoder or decoder."""
        norm(dst + ".self_attn_layer_norm", src + "/self_attention/layer_norm")
        fused(dst + ".self_attn", src + "/self_attention/linear_0", ["q_proj", "k_proj", "v_proj"])
        linear(dst + ".self_attn.out_proj", src + "/self_attention/linear_1")
        norm(dst + ".final_layer_norm", src + "/ffn/layer_norm")
        linear(dst + ".fc1", src + "/ffn/linear_0")
        linear(dst + ".fc2", src + "/ffn/linear_1")

    for i in range(layers["encoder"]):
        self_attention_and_ffn(f"encoder/layer_{i}", f"{e}.layers.{i}")
    norm(e + ".layer_norm", "encoder/layer_norm")

    put(d + ".embed_tokens.weight", variables["decoder/embeddings/weight"])
    put(d + ".embed_positions.weight", variables["decoder/position_encodings/encodings"])
    for i in range(layers["decoder"]):
        src, dst = f"decoder/layer_{i}", f"{d}.layers.{i}"
        self_attention_and_ffn(src, dst)
        norm(dst + ".encoder_attn_layer_norm", src + "/attention/layer_norm")
        linear(dst + ".encoder_attn.q_proj", src + "/attention/linear_0")
        fused(dst + ".encoder_attn", src + "/attention/linear_1", ["k_proj", "v_proj"])
        linear(dst + ".encoder_attn.out_proj", src + "/attention/linear_2")
    norm(d + ".layer_norm", "decoder/layer_norm")
    return out, layers


def write_safetensors(path, tensors):
    header, offset, order = {}, 0, sorted(tensors)
    for name in order:
        dims, code, data = tensors[name]
        header[name] = {
            "dtype": DTYPES[code][0],
            "shape": dims,
            "data_offsets": [offset, offset + len(data)],
        }
        offset += len(data)
    raw = json.dumps(header, separators=(",", ":"), sort_keys=True).encode()
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for name in order:
            f.write(tensors[name][2])


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: convert_ct2_whisper.py OUT.safetensors PART [PART...]")
    variables = read_variables(Joined(sys.argv[2:]))
    tensors, layers = convert(variables)
    write_safetensors(sys.argv[1], tensors)
    print(
        f"{len(tensors)} tensors, {layers['encoder']} encoder and {layers['decoder']} decoder layers"
    )


if __name__ == "__main__":
    main()
