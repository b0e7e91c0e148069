#!/usr/bin/python3
"""The Python side of bench/train_speed.sh: the same MobileNetV2-tiny training
step as shiftadd-train (int8 fake-quantized weights for the first and last
layer, DeepShift-Q shift weights or int8 weights in the body, BatchNorm,
ReLU6, power-of-two activation fake quantization with a moving range, SGD
Nesterov with weight decay, label smoothing), in Debian's python3-torch, on the
same CIFAR-10 images (the binary cache shiftadd-train writes).
  train_speed.py CACHE.bin OP STEPS BATCH THREADS
Prints images per second over the timed steps (after 3 warm-up steps).
"""
import math
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def ste(w, q):
    return q.detach() + (w - w.detach())


def int8_weights(w):
    frac = max(-32, min(32, math.floor(math.log2(127.0 / w.detach().abs().max().item()))))
    s = 2.0 ** frac
    return ste(w, torch.clamp(torch.floor(w.detach() * s + 0.5), -127, 127) / s)


SQRT_HALF_UP = float(np.nextafter(np.float32(math.sqrt(0.5)), np.float32(1)))


def shift_weights(w, max_exp=0, levels=15):
    with torch.no_grad():
        m, e = torch.frexp(w.abs())
        p = torch.clamp(e.float() - (m < SQRT_HALF_UP).float(), max=max_exp)
        q = torch.sign(w) * torch.exp2(p)
        q = torch.where(p < max_exp - levels + 1, torch.zeros_like(q), q)
    return ste(w, q)


class Quantizer(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("running_max", torch.zeros(()))

    def forward(self, x):
        if self.training:
            m = x.detach().abs().max()
            self.running_max.copy_(torch.where(self.running_max > 0, 0.9 * self.running_max + 0.1 * m, m))
        r = self.running_max.item()
        f = 0 if r <= 0 else max(-32, min(32, math.floor(math.log2(127.0 / r))))
        s = 2.0 ** f
        q = torch.clamp(torch.floor(x.detach() * s + 0.5), -128, 127) / s
        c = torch.clamp(x, -128 / s, 127 / s)
        return q + (c - c.detach())


class Chain(nn.Module):
    def __init__(self, cin, cout, k, s, g, relu6, op):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(cout, cin // g, k, k) * math.sqrt(2.0 / (cin // g * k * k)))
        self.bn = nn.BatchNorm2d(cout)
        self.q = Quantizer()
        self.s, self.g, self.p, self.relu6, self.op = s, g, k // 2, relu6, op

    def forward(self, x):
        w = shift_weights(self.weight) if self.op == "shift" else int8_weights(self.weight)
        y = self.bn(F.conv2d(x, w, stride=self.s, padding=self.p, groups=self.g))
        return self.q(torch.clamp(y, 0, 6) if self.relu6 else y)


def make_divisible(v, d=8):
    n = max(d, int(v + d / 2) // d * d)
    return n + d if n < 0.9 * v else n


class Block(nn.Module):
    def __init__(self, cin, cout, t, s, op):
        super().__init__()
        h = cin * t
        layers = [Chain(cin, h, 1, 1, 1, True, op)] if t != 1 else []
        layers += [Chain(h, h, 3, s, h, True, op), Chain(h, cout, 1, 1, 1, False, op)]
        self.main = nn.Sequential(*layers)
        self.residual = s == 1 and cin == cout
        self.q = Quantizer() if self.residual else None

    def forward(self, x):
        return self.q(x + self.main(x)) if self.residual else self.main(x)


class MobileNetV2Tiny(nn.Module):
    def __init__(self, op, w=0.35):
        super().__init__()
        stem, first = make_divisible(32 * w), make_divisible(16 * w)
        self.input = Quantizer()
        layers = [Chain(3, stem, 3, 1, 1, True, "mult"), Block(stem, first, 1, 1, op)]
        cin = first
        for t, c, n, s in [(6, 24, 2, 1), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2)]:
            for i in range(n):
                layers.append(Block(cin, make_divisible(c * w), t, s if i == 0 else 1, op))
                cin = make_divisible(c * w)
        layers += [Block(cin, 112, 6, 1, op), Chain(112, 448, 1, 1, 1, True, op)]
        self.body = nn.Sequential(*layers)
        self.fc = nn.Linear(448, 10)
        self.out = Quantizer()

    def forward(self, x):
        x = self.body(self.input(x))
        x = x.mean((2, 3))
        return self.out(F.linear(x, int8_weights(self.fc.weight), self.fc.bias))


def main(cache, op, steps, batch, threads):
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    raw = np.fromfile(cache, dtype=np.uint8).reshape(-1, 3073)
    images = torch.from_numpy(raw[:, 1:].reshape(-1, 3, 32, 32).copy())
    labels = torch.from_numpy(raw[:, 0].astype(np.int64))
    mean = images[:4096].float().mean((0, 2, 3)).view(1, 3, 1, 1)
    std = images[:4096].float().std((0, 2, 3)).view(1, 3, 1, 1)
    net = MobileNetV2Tiny(op)
    decay = [p for n, p in net.named_parameters() if n.endswith("weight") and ".bn." not in n]
    other = [p for n, p in net.named_parameters() if not (n.endswith("weight") and ".bn." not in n)]
    opt = torch.optim.SGD([{"params": decay, "weight_decay": 4e-5}, {"params": other, "weight_decay": 0}],
                          lr=0.05, momentum=0.9, nesterov=True)
    order = torch.randperm(len(labels))
    net.train()
    start = None
    for step in range(steps + 3):
        if step == 3:
            start = time.perf_counter()
        idx = order[step * batch:(step + 1) * batch]
        x = (images[idx].float() - mean) / std
        # Random crop with padding 4 and flips, as the C++ trainer.
        oy, ox = torch.randint(0, 9, (2, len(idx)))
        padded = F.pad(x, (4, 4, 4, 4))
        rows = (oy.view(-1, 1) + torch.arange(32)).view(-1, 1, 32, 1).expand(-1, 3, 32, 40)
        cols = (ox.view(-1, 1) + torch.arange(32)).view(-1, 1, 1, 32).expand(-1, 3, 32, 32)
        x = padded.gather(2, rows).gather(3, cols)
        flip = torch.randint(0, 2, (len(idx),)).bool().view(-1, 1, 1, 1)
        x = torch.where(flip, x.flip(3), x)
        opt.zero_grad()
        logits = net(x)
        loss = F.cross_entropy(logits, labels[idx], label_smoothing=0.1)
        loss.backward()
        opt.step()
        loss.item()
    print("%.1f" % (steps * batch / (time.perf_counter() - start)))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
