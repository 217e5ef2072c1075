"""Character and bigram clusters learnt from raw text, for the CRF's feature set 4.

A CRF only knows characters it saw in a labelled name; the given-name characters, place
characters and company words of the test text are often new to it. Clusters learnt from
plain text carry what a character or bigram is like (its neighbours) to the ones never
labelled: each unit gets the PPMI vector of its neighbours (two characters either side),
reduced by a truncated SVD and grouped by k-means at a coarse and a fine granularity.

The raw text is every sentence of the corpora in ../shared/data/train, labels ignored
(MSRA's test set is never read). Needs numpy and scipy (`pip install -e '.[train]'`);
tagging only reads the resulting clusters.json.
"""
from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Callable, Iterable

WINDOW = (-2, -1, 1, 2)


def raw_texts(shared: Path, names: Iterable[str], log: Callable[[str], None] = print) -> list[str]:
    """Every sentence of the named corpora that are present (a missing one is said and skipped)."""
    from .corpora import corpus_samples
    out: list[str] = []
    for name in names:
        try:
            splits = corpus_samples(shared, name)
        except OSError as exc:
            log(f"clusters: corpus {name} not read ({exc.__class__.__name__}: {exc})")
            continue
        for split in splits.values():
            out.extend(s.text for s in split if s.text.strip())
    return out


def _vectors(texts: list[str], units: list[str], unit_len: int, contexts: list[str], dim: int,
             seed: int):
    """Rows: units (characters or bigrams); columns: (offset, context character); PPMI; SVD."""
    import numpy as np
    from scipy.sparse import coo_matrix

    uid = {u: i for i, u in enumerate(units)}
    cid = {c: i for i, c in enumerate(contexts)}
    nc = len(contexts)
    pairs: Counter = Counter()
    for t in texts:
        n = len(t)
        for i in range(n - unit_len + 1):
            u = uid.get(t[i:i + unit_len])
            if u is None:
                continue
            for k, off in enumerate(WINDOW):
                j = i + off if off < 0 else i + unit_len - 1 + off
                if 0 <= j < n:
                    c = cid.get(t[j])
                    if c is not None:
                        pairs[u * (len(WINDOW) * nc) + k * nc + c] += 1
    keys = np.fromiter(pairs.keys(), dtype=np.int64, count=len(pairs))
    vals = np.fromiter(pairs.values(), dtype=np.float64, count=len(pairs))
    width = len(WINDOW) * nc
    rows, cols = keys // width, keys % width
    total = vals.sum()
    row_sum = np.bincount(rows, weights=vals, minlength=len(units))
    col_sum = np.bincount(cols, weights=vals, minlength=width) ** 0.75   # context smoothing
    col_p = col_sum / col_sum.sum()
    pmi = np.log(vals / total) - np.log(row_sum[rows] / total) - np.log(col_p[cols])
    keep = pmi > 0
    m = coo_matrix((pmi[keep], (rows[keep], cols[keep])), shape=(len(units), width)).tocsr()
    u, s = _randomized_svd(m, dim, seed)
    vec = u * np.sqrt(s)
    norm = np.linalg.norm(vec, axis=1, keepdims=True)
    return vec / np.maximum(norm, 1e-9)


def _randomized_svd(m, dim: int, seed: int, oversample: int = 16, power: int = 3):
    """The top `dim` left singular vectors and values of sparse `m` (Halko et al. 2011): a
    seeded Gaussian sketch, a few power iterations, an exact SVD of the small projection.
    Unlike ARPACK (scipy's svds) it gives the same vectors on every run."""
    import numpy as np
    k = max(1, min(dim, min(m.shape)))
    rng = np.random.default_rng(seed)
    q = m @ rng.standard_normal((m.shape[1], min(k + oversample, m.shape[1])))
    q, _ = np.linalg.qr(q)
    for _ in range(power):
        q, _ = np.linalg.qr(m.T @ q)
        q, _ = np.linalg.qr(m @ q)
    ub, s, _ = np.linalg.svd(np.asarray((m.T @ q).T), full_matrices=False)
    return (q @ ub)[:, :k], s[:k]


def _kmeans(vec, k: int, seed: int) -> list[int]:
    import numpy as np
    from scipy.cluster.vq import kmeans2
    k = min(k, len(vec))
    _, labels = kmeans2(vec.astype(np.float64), k, iter=30, minit="++", seed=np.random.default_rng(seed))
    return [int(x) for x in labels]


def build(texts: list[str], log: Callable[[str], None], *, min_char: int = 3, min_bigram: int = 8,
          contexts: int = 3000, dim: int = 64, coarse: int = 64, fine: int = 256,
          bigram_k: int = 256, seed: int = 0) -> dict:
    """{"c": {char: [coarse, fine]}, "b": {bigram: cluster}, "params": …}."""
    t0 = time.time()
    chars: Counter = Counter()
    bigrams: Counter = Counter()
    for t in texts:
        chars.update(t)
        bigrams.update(t[i:i + 2] for i in range(len(t) - 1))
    useful = lambda u: all(not c.isspace() for c in u)   # noqa: E731
    char_units = sorted((c for c, n in chars.items() if n >= min_char and useful(c)), key=lambda c: (-chars[c], c))
    bigram_units = sorted((b for b, n in bigrams.items() if n >= min_bigram and useful(b)),
                          key=lambda b: (-bigrams[b], b))
    ctx = char_units[:contexts]
    log(f"clusters: {len(texts)} sentences, {sum(chars.values())} chars; units: {len(char_units)} chars, "
        f"{len(bigram_units)} bigrams; {len(ctx)} context chars")
    cv = _vectors(texts, char_units, 1, ctx, dim, seed)
    c_coarse, c_fine = _kmeans(cv, coarse, seed), _kmeans(cv, fine, seed)
    bv = _vectors(texts, bigram_units, 2, ctx, dim, seed)
    b_lab = _kmeans(bv, bigram_k, seed)
    log(f"clusters built in {time.time() - t0:.0f}s")
    return {
        "c": {c: [a, b] for c, a, b in zip(char_units, c_coarse, c_fine)},
        "b": dict(zip(bigram_units, b_lab)),
        "params": {"min_char": min_char, "min_bigram": min_bigram, "contexts": contexts, "dim": dim,
                   "coarse": coarse, "fine": fine, "bigram_k": bigram_k, "seed": seed,
                   "window": list(WINDOW)},
    }
