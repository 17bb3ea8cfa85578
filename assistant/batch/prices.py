"""What a model costs: list prices per model and the `--price IN/OUT` override. Apart from the estimator
(estimate.py), which builds a whole pipeline, because every batch run reads them at its start."""

from __future__ import annotations

# USD per 1M tokens (input, output): list prices, mid-2025. `--price IN/OUT` prices any other model.
PRICES: dict[str, tuple[float, float]] = {
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4o": (2.50, 10.00),
    "local model (Ollama, vLLM, embedded)": (0.0, 0.0),
}


def price_for(model: str, override: tuple[float, float] | None) -> tuple[float, float] | None:
    return override or PRICES.get(model)


def parse_price(spec: str) -> tuple[float, float]:
    """`"0.15/0.60"` (USD per 1M input / output tokens)."""
    try:
        rate_in, rate_out = (float(part) for part in spec.replace(",", "/").split("/"))
    except ValueError as exc:
        raise ValueError(f"can't read price {spec!r}: use IN/OUT in USD per 1M tokens, e.g. 0.15/0.60") from exc
    if rate_in < 0 or rate_out < 0:
        raise ValueError("prices can't be negative")
    return rate_in, rate_out
