"""Models compiled to native code predict what LightGBM predicts, are compiled once and found
again by their text and machine, and score a large population as LightGBM does."""

from __future__ import annotations

import pickle
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pyarrow as pa
from scoring_world import ScoredWorld

from fitintent.engine import active
from fitintent.models import Models, load_models, score_features
from fitintent.models._batch import _Packed
from fitintent.models._native import native


def _booster(seed: int, trees: int = 25) -> lgb.Booster:
    """A small binary model with a categorical column and missing values, as the fit and intent
    models have."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(3_000, 5))
    x[:, 4] = rng.integers(0, 6, size=3_000)  # a category code
    x[rng.random(x.shape) < 0.1] = np.nan
    y = (np.nan_to_num(x[:, 0]) + (x[:, 4] == 2) + rng.normal(size=3_000) > 0.5).astype(float)
    params = {"objective": "binary", "num_leaves": 15, "verbosity": -1, "seed": seed}
    data = lgb.Dataset(x, label=y, categorical_feature=[4])
    return lgb.train(params, data, num_boost_round=trees)


def _rows(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(5_000, 5)) * 2
    x[:, 4] = rng.integers(-1, 9, size=5_000)  # categories seen and unseen, and a negative one
    x[rng.random(x.shape) < 0.15] = np.nan
    return x


def test_compiled_code_predicts_what_lightgbm_predicts(tmp_path: Path) -> None:
    b = _booster(1)
    x = _rows(2)
    assert native(b, tmp_path, build=False) is None  # nothing compiled yet, none asked for
    built = native(b, tmp_path, build=True)
    assert built is not None
    np.testing.assert_allclose(built(x), b.predict(x), rtol=0, atol=1e-12)
    assert len(built(x[:0])) == 0
    assert len(list(tmp_path.glob("*.o"))) == 1
    assert not list(tmp_path.glob("*.part"))  # written whole, then moved into place
    loaded = native(b, tmp_path, build=False)  # another process finds it by the model's text
    assert loaded is not None
    np.testing.assert_array_equal(loaded(x), built(x))
    other = _booster(3)  # a retrained model never picks up the first one's code
    assert native(other, tmp_path, build=False) is None
    again = native(other, tmp_path, build=True)
    assert again is not None and len(list(tmp_path.glob("*.o"))) == 2
    np.testing.assert_allclose(again(x), other.predict(x), rtol=0, atol=1e-12)


def _scores(world: ScoredWorld, models: Models, p: str, floor: int, work: Path) -> pa.Table:
    """``p``'s scores, with the models compiled from ``floor`` accounts on."""
    cfg = world.cfg.model_copy(
        update={
            "products": [q for q in world.cfg.products if q.id == p],
            "engine": world.cfg.engine.model_copy(update={"compile_min_accounts": floor}),
            "paths": world.cfg.paths.model_copy(update={"workdir": work}),
        }
    )
    one = Models(fit={p: models.fit[p]}, intent={p: models.intent[p]})
    one.fit_version, one.intent_version = models.fit_version, models.intent_version
    scores = score_features(world.source.at(world.period), one, cfg)
    return active().to_arrow(scores).sort_by("account_id")


def test_a_large_population_is_scored_by_the_compiled_models(
    on_world: ScoredWorld, tmp_path: Path
) -> None:
    world, p = on_world, "M365"
    accounts = world.scores.num_rows // len(world.cfg.product_ids)
    plain = load_models(world.source, world.cfg, world.period, world.registry)
    a = _scores(world, plain, p, accounts + 1, tmp_path / "small")
    assert not (tmp_path / "small" / "compiled").exists()  # too few accounts to repay it
    models = load_models(world.source, world.cfg, world.period, world.registry)
    b = _scores(world, models, p, accounts, tmp_path / "large")
    folder = tmp_path / "large" / "compiled"
    assert len(list(folder.glob("*.o"))) == len(models.fit[p].boosters) + 2  # + intent, propensity
    assert a.column("account_id").equals(b.column("account_id"))
    for c in ("fit", "intent", "propensity", "surge"):
        x = np.asarray(a.column(c).to_numpy(zero_copy_only=False), dtype=float)
        y = np.asarray(b.column(c).to_numpy(zero_copy_only=False), dtype=float)
        np.testing.assert_allclose(y, x, rtol=0, atol=1e-9, equal_nan=True)
    # a worker process gets the models as text and loads their code from the folder
    packed = pickle.loads(pickle.dumps(_Packed.of(models.fit, models.intent, folder)))
    fit, intent = packed.fit_model(p), packed.intent_model(p)
    assert fit is not None and intent is not None
    assert fit._native and all(f is not None for f in fit._native)  # not LightGBM's predict
    assert intent._native is not None and intent._native_propensity is not None
    rows = active().to_arrow(world.source.at(world.period))
    ids = [str(i) for i in rows.column("account_id").to_pylist()]
    x = fit.design.matrix(rows)
    ref = plain.fit[p].raw(x, ids)
    np.testing.assert_allclose(fit.raw(x, ids), ref, rtol=0, atol=1e-12)
    z = intent.design.matrix(rows)
    np.testing.assert_allclose(
        intent.propensity(z, ref), plain.intent[p].propensity(z, ref), rtol=0, atol=1e-12
    )
