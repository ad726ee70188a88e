#!/usr/bin/env python3
"""Converts a legacy (pre-zip) PyTorch `.pth` state dict into safetensors, with the standard
library alone: no torch needed at setup time.

The legacy format (torch.save with _use_new_zipfile_serialization=False) is five pickles and the
raw storages: magic number, protocol version, system info, the object (tensors refer to storages
by persistent id), the list of storage keys in the order their bytes follow; then per storage an
int64 element count and the little-endian data.

    convert_torch_legacy.py IN.pth OUT.safetensors
"""
import collections
import json
import pickle
import struct
import sys

MAGIC = 0x1950A86A20F9469CFC6C
PROTOCOL = 1001

# storage class name -> (safetensors dtype, bytes per element)
STORAGE_TYPES = {
    "FloatStorage": ("F32", 4),
    "DoubleStorage": ("F64", 8),
    "HalfStorage": ("F16", 2),
    "LongStorage": ("I64", 8),
    "IntStorage": ("I32", 4),
    "ByteStorage": ("U8", 1),
}


class StorageType:
    def __init__(self, name):
        if name not in STORAGE_TYPES:
            raise ValueError(f"unsupported storage type {name}")
        self.dtype, self.itemsize = STORAGE_TYPES[name]


class TensorRef:
    def __init__(self, key, storage_type, offset, size, stride):
        self.key, self.storage_type = key, storage_type
        self.offset, self.size, self.stride = offset, tuple(size), tuple(stride)


def rebuild_tensor(storage, storage_offset, size, stride, *_rest):
    key, storage_type = storage
    return TensorRef(key, storage_type, storage_offset, size, stride)


class Unpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if module == "collections" and name == "OrderedDict":
            return collections.OrderedDict
        if module == "torch._utils" and name in ("_rebuild_tensor", "_rebuild_tensor_v2"):
            return rebuild_tensor
        if module == "torch" and name.endswith("Storage"):
            return StorageType(name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}")

    def persistent_load(self, pid):
        # ('storage', storage_type, key, location, numel[, view_metadata])
        if pid[0] != "storage":
            raise pickle.UnpicklingError(f"unknown persistent id {pid[0]!r}")
        return (pid[2], pid[1])


def contiguous_bytes(ref, data):
    """The tensor's elements in row-major order, however its strides lay them out."""
    n = 1
    for d in ref.size:
        n *= d
    item = ref.storage_type.itemsize
    expected = [1] * len(ref.size)
    for i in range(len(ref.size) - 2, -1, -1):
        expected[i] = expected[i + 1] * ref.size[i + 1]
    if n == 0 or list(ref.stride) == expected or n == 1:
        start = ref.offset * item
        return data[start : start + n * item]
    out = bytearray()
    index = [0] * len(ref.size)
    for _ in range(n):
        pos = ref.offset + sum(i * s for i, s in zip(index, ref.stride))
        out += data[pos * item : (pos + 1) * item]
        for axis in range(len(index) - 1, -1, -1):
            index[axis] += 1
            if index[axis] < ref.size[axis]:
                break
            index[axis] = 0
    return bytes(out)


def read_state_dict(path):
    with open(path, "rb") as f:
        if pickle.load(f) != MAGIC:
            raise ValueError("not a legacy PyTorch file (bad magic number)")
        if pickle.load(f) != PROTOCOL:
            raise ValueError("unsupported legacy PyTorch protocol version")
        pickle.load(f)  # system info (endianness, type sizes)
        obj = Unpickler(f).load()
        keys = pickle.load(f)
        storages = {}
        for key in keys:
            (numel,) = struct.unpack("<q", f.read(8))
            refs = [t for t in obj.values() if isinstance(t, TensorRef) and t.key == key]
            itemsize = refs[0].storage_type.itemsize if refs else 4
            storages[key] = f.read(numel * itemsize)
    if not isinstance(obj, dict):
        raise ValueError("the file does not hold a state dict")
    return {
        name: (ref.storage_type.dtype, ref.size, contiguous_bytes(ref, storages[ref.key]))
        for name, ref in obj.items()
        if isinstance(ref, TensorRef)
    }


def write_safetensors(tensors, path):
    header, offset, blobs = {}, 0, []
    for name in sorted(tensors):
        dtype, shape, data = tensors[name]
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for blob in blobs:
            f.write(blob)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    tensors = read_state_dict(sys.argv[1])
    write_safetensors(tensors, sys.argv[2])
    print(f"{len(tensors)} tensors written to {sys.argv[2]}")


if __name__ == "__main__":
    main()
