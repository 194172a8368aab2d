"""Adam and the multi-step learning-rate schedule, in plain tensor operations.

They compute exactly what ``torch.optim.Adam`` (default betas and eps, no
weight decay, single-tensor path) and ``MultiStepLR`` compute (a test checks
it bit for bit).  Why not use those: ``torch.optim``'s first step imports
torch's compiler, 1.4 s per training job, as long as a whole short run; a
study of hundreds of jobs pays that for nothing.
"""

from __future__ import annotations

from bisect import bisect_right

import torch


class Adam:
    def __init__(self, params, lr: float, betas=(0.9, 0.999), eps: float = 1e-8):
        self.params = [p for p in params if p.requires_grad]
        self.lr = lr
        self.beta1, self.beta2 = betas
        self.eps = eps
        self.exp_avg = [torch.zeros_like(p) for p in self.params]
        self.exp_avg_sq = [torch.zeros_like(p) for p in self.params]
        self.steps = 0

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        self.steps += 1
        bias_correction1 = 1 - self.beta1 ** self.steps
        bias_correction2_sqrt = (1 - self.beta2 ** self.steps) ** 0.5
        step_size = self.lr / bias_correction1
        for p, exp_avg, exp_avg_sq in zip(self.params, self.exp_avg, self.exp_avg_sq):
            grad = p.grad
            exp_avg.lerp_(grad, 1 - self.beta1)
            exp_avg_sq.mul_(self.beta2).addcmul_(grad, grad, value=1 - self.beta2)
            denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(self.eps)
            p.addcdiv_(exp_avg, denom, value=-step_size)


class MultiStepLR:
    """lr = base * gamma ** (milestones passed), stepped once per training step."""

    def __init__(self, optimizer: Adam, milestones, gamma: float):
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
        self.milestones = sorted(milestones)
        self.gamma = gamma
        self.steps = 0

    def step(self) -> None:
        self.steps += 1
        passed = bisect_right(self.milestones, self.steps)
        self.optimizer.lr = self.base_lr * self.gamma ** passed
