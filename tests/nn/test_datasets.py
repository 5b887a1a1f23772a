"""Tests for nn.datasets: shapes, dtypes, determinism, offline loading, data fingerprints."""

import ast
import gzip
import hashlib
import random
import re
import socket
import sys
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

import nn.datasets as D
from nn.datasets import _mnist1d

PACKAGE_DIR = Path(D.__file__).parent
DIGITS_CLASS_COUNTS = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]  # UCI optdigits.tes


# ----------------------------------------------------------------------------- package


def test_package_imports_only_stdlib_numpy_and_mnist1d():
    # nn.datasets must stay usable on its own: no autograd_core, no other nn modules.
    allowed = set(sys.stdlib_module_names) | {"numpy", "mnist1d", "__future__"}
    files = sorted(PACKAGE_DIR.glob("*.py"))
    assert files
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                ok = top in allowed or name == "nn.datasets" or name.startswith("nn.datasets.")
                assert ok, f"{path.name} imports {name}"


def test_public_names():
    for name in D.__all__:
        assert callable(getattr(D, name)), name


# ----------------------------------------------------------------------------- digits


def test_digits_shapes_dtypes_and_range():
    d = D.load_digits()
    assert set(d) == {"x", "y", "images"}
    x, y, images = d["x"], d["y"], d["images"]
    assert x.shape == (1797, 64) and x.dtype == np.float32
    assert images.shape == (1797, 8, 8) and images.dtype == np.float32
    assert y.shape == (1797,) and y.dtype == np.int64
    assert x.min() == 0.0 and x.max() == 1.0
    counts = x * 16
    np.testing.assert_array_equal(counts, np.round(counts))  # pixel counts 0..16, scaled
    np.testing.assert_array_equal(images.reshape(1797, 64), x)


def test_digits_class_counts_match_uci_test_partition():
    y = D.load_digits()["y"]
    assert y.min() == 0 and y.max() == 9
    assert np.bincount(y).tolist() == DIGITS_CLASS_COUNTS


def test_digits_content_fingerprint():
    d = D.load_digits()
    raw = np.round(d["x"] * 16).astype(np.int64)
    assert int(raw.sum()) == 561718
    first = [0, 0, 5, 13, 9, 1, 0, 0, 0, 0, 13, 15, 10, 15, 5, 0]
    assert raw[0, :16].tolist() == first and d["y"][0] == 0
    assert d["y"][:10].tolist() == list(range(10))
    # a zero: a ring of ink around an empty centre
    assert d["images"][0, 3:5, 3:5].max() == 0.0 and d["images"][0].max() > 0.9


def test_digits_file_matches_recorded_checksum_and_license():
    data = resources.files("nn.datasets").joinpath("data", "digits.csv.gz").read_bytes()
    notice = resources.files("nn.datasets").joinpath("data", "LICENSE-digits.txt").read_text()
    digest = re.search(r"SHA-256: ([0-9a-f]{64})", notice).group(1)
    assert hashlib.sha256(data).hexdigest() == digest
    assert "CC BY 4.0" in notice and "Alpaydin" in notice and "Kaynak" in notice
    assert len(gzip.decompress(data).splitlines()) == 1797


def test_digits_returns_fresh_arrays():
    d = D.load_digits()
    d["x"][:] = -1
    d["y"][:] = -1
    again = D.load_digits()
    assert again["x"].min() == 0.0 and again["y"].min() == 0


# ----------------------------------------------------------------------------- splitting


def test_split_sizes_partition_and_alignment():
    n = 1797
    x = np.arange(n * 2).reshape(n, 2)
    y = np.arange(n)
    x_tr, x_te, y_tr, y_te = D.train_test_split(x, y, test_fraction=0.2, seed=0)
    assert len(y_te) == 360 and len(y_tr) == n - 360  # ceil(0.2 * 1797), as scikit-learn
    np.testing.assert_array_equal(np.sort(np.concatenate([y_tr, y_te])), y)
    np.testing.assert_array_equal(x_tr[:, 0] // 2, y_tr)
    np.testing.assert_array_equal(x_te[:, 0] // 2, y_te)


def test_split_is_deterministic_and_seed_dependent():
    x, y = np.arange(100.0)[:, None], np.arange(100)
    a = D.train_test_split(x, y, seed=3)
    b = D.train_test_split(x, y, seed=3)
    c = D.train_test_split(x, y, seed=4)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[3], c[3])


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.1, 1.5])
def test_split_rejects_bad_fraction(fraction):
    with pytest.raises(ValueError):
        D.train_test_split(np.zeros((10, 2)), np.zeros(10), test_fraction=fraction)


def test_split_rejects_mismatched_lengths():
    with pytest.raises(ValueError):
        D.train_test_split(np.zeros((10, 2)), np.zeros(9))


# ----------------------------------------------------------------------------- toy sets

TOYS = [
    (D.make_xor, {"n": 200}, 2),
    (D.make_moons, {"n": 200}, 2),
    (D.make_spirals, {"n": 300, "classes": 3}, 3),
]


@pytest.mark.parametrize("make, kwargs, classes", TOYS)
def test_toy_shapes_dtypes_and_balance(make, kwargs, classes):
    x, y = make(**kwargs)
    n = kwargs["n"]
    assert x.shape == (n, 2) and x.dtype == np.float32 and x.flags.c_contiguous
    assert y.shape == (n,) and y.dtype == np.int64
    assert np.bincount(y).tolist() == [n // classes] * classes
    assert np.isfinite(x).all()


@pytest.mark.parametrize("make, kwargs, classes", TOYS)
def test_toy_determinism(make, kwargs, classes):
    x1, y1 = make(**kwargs, seed=7)
    x2, y2 = make(**kwargs, seed=7)
    x3, y3 = make(**kwargs, seed=8)
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(x1, x3)


@pytest.mark.parametrize("make", [D.make_xor, D.make_moons, D.make_spirals])
def test_toy_odd_sizes_and_bad_arguments(make):
    x, y = make(n=7)
    assert x.shape == (7, 2) and y.shape == (7,)
    with pytest.raises(ValueError):
        make(n=0)
    with pytest.raises(ValueError):
        make(noise=-1.0)


def _least_squares_accuracy(features, y):
    a = np.hstack([features, np.ones((len(y), 1))])
    w, *_ = np.linalg.lstsq(a, 2.0 * y - 1.0, rcond=None)
    return float(np.mean((a @ w > 0) == (y == 1)))


def test_xor_is_not_linearly_separable_but_is_with_a_product_feature():
    x, y = D.make_xor(n=400, noise=0.1, seed=0)
    assert _least_squares_accuracy(x, y) < 0.75
    product = (x[:, 0] * x[:, 1])[:, None]
    assert _least_squares_accuracy(np.hstack([x, product]), y) > 0.99


def test_xor_labels_follow_quadrant_signs():
    x, y = D.make_xor(n=200, noise=0.1, seed=1)
    np.testing.assert_array_equal(y, (np.sign(x[:, 0]) != np.sign(x[:, 1])).astype(np.int64))


def test_moons_without_noise_lie_on_two_unit_half_circles():
    x, y = D.make_moons(n=101, noise=0.0)
    up, low = x[y == 0].astype(np.float64), x[y == 1].astype(np.float64)
    assert len(up) == 51 and len(low) == 50
    np.testing.assert_allclose(np.hypot(up[:, 0], up[:, 1]), 1.0, atol=1e-6)
    np.testing.assert_allclose(np.hypot(low[:, 0] - 1.0, low[:, 1] - 0.5), 1.0, atol=1e-6)
    assert (up[:, 1] >= -1e-6).all() and (low[:, 1] <= 0.5 + 1e-6).all()


def test_spirals_radius_and_class_count():
    x, y = D.make_spirals(n=250, classes=5, noise=0.0)
    r = np.hypot(x[:, 0], x[:, 1])
    assert r.max() <= 1.0 + 1e-6 and r.min() == 0.0
    assert np.bincount(y).tolist() == [50] * 5
    with pytest.raises(ValueError):
        D.make_spirals(classes=1)


# ----------------------------------------------------------------------------- MNIST-1D


@pytest.fixture(scope="module")
def mnist_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("mnist1d_cache")


@pytest.fixture(scope="module")
def mnist(mnist_cache):
    D.clear_cache()
    data = D.load_mnist1d(cache_dir=mnist_cache)
    yield data
    D.clear_cache()


def test_mnist1d_shapes_and_dtypes(mnist):
    assert set(mnist) == {"x", "y", "x_test", "y_test", "t"}
    assert mnist["x"].shape == (4000, 40) and mnist["x"].dtype == np.float32
    assert mnist["x_test"].shape == (1000, 40) and mnist["x_test"].dtype == np.float32
    assert mnist["y"].shape == (4000,) and mnist["y"].dtype == np.int64
    assert mnist["y_test"].shape == (1000,) and mnist["y_test"].dtype == np.int64
    assert mnist["t"].shape == (40,) and mnist["t"].dtype == np.float32
    assert all(np.isfinite(v).all() for v in mnist.values())


def test_mnist1d_matches_the_published_construction(mnist):
    # 5000 examples, 500 per digit, split 80/20 after one shuffle; the signals are
    # standardised over all 5000 together.
    y_all = np.concatenate([mnist["y"], mnist["y_test"]])
    assert y_all.min() == 0 and y_all.max() == 9
    assert np.bincount(y_all).tolist() == [500] * 10
    assert set(np.unique(mnist["y_test"])) == set(range(10))
    x_all = np.concatenate([mnist["x"], mnist["x_test"]]).astype(np.float64)
    assert abs(x_all.mean()) < 1e-5 and abs(x_all.std() - 1.0) < 1e-5
    t = mnist["t"]
    assert (np.diff(t) > 0).all()
    np.testing.assert_allclose(t, -t[::-1], atol=1e-6)


def test_mnist1d_regression_pin(mnist):
    # Pinned from the paper-seeded generator. Labels come from NumPy's legacy RandomState
    # stream, which NumPy keeps fixed across versions, so they must never change.
    assert mnist["y"][:10].tolist() == [2, 6, 4, 5, 6, 6, 6, 0, 3, 1]
    assert mnist["y_test"][:10].tolist() == [2, 6, 3, 9, 4, 3, 1, 9, 5, 2]
    assert np.bincount(mnist["y"]).tolist() == [398, 396, 411, 394, 394, 402, 401, 404, 402, 398]
    np.testing.assert_allclose(
        mnist["x"][0, :3], [-0.33200567, -0.47191037, -0.77869708], atol=1e-6
    )
    np.testing.assert_allclose(mnist["t"][:2], [-5.38753507, -5.11125122], atol=1e-6)


def test_mnist1d_default_seed_is_the_papers(mnist, mnist_cache):
    again = D.load_mnist1d(seed=42, cache_dir=mnist_cache)
    for k in mnist:
        np.testing.assert_array_equal(again[k], mnist[k])


def test_mnist1d_other_seed_gives_other_data(mnist, mnist_cache):
    other = D.load_mnist1d(seed=1, cache_dir=mnist_cache)
    assert other["x"].shape == (4000, 40)
    assert not np.array_equal(other["y"], mnist["y"])
    assert not np.allclose(other["x"], mnist["x"])
    assert np.bincount(np.concatenate([other["y"], other["y_test"]])).tolist() == [500] * 10


def test_mnist1d_offline_deterministic_and_leaves_global_rng(mnist, tmp_path, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("nn.datasets tried to open a network connection")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    D.clear_cache()
    np.random.seed(123)
    random.seed(123)
    np_before, py_before = np.random.get_state(), random.getstate()
    fresh = D.load_mnist1d(cache_dir=tmp_path / "empty")  # nothing cached: generates
    np_after = np.random.get_state()
    assert np_after[0] == np_before[0] and np.array_equal(np_after[1], np_before[1])
    assert np_after[2:] == np_before[2:]
    assert random.getstate() == py_before
    for k in mnist:
        np.testing.assert_array_equal(fresh[k], mnist[k])


def test_mnist1d_disk_cache_round_trip(mnist, tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setattr(_mnist1d, "_generate", lambda seed: dict(mnist))
    D.clear_cache()
    D.load_mnist1d(cache_dir=folder)
    (path,) = folder.glob("mnist1d-*-seed42.npz")
    assert not list(folder.glob("*.tmp"))
    with np.load(path, allow_pickle=False) as f:
        assert sorted(f.files) == sorted(mnist)

    def fail(seed):
        raise AssertionError("regenerated although a cached file exists")

    monkeypatch.setattr(_mnist1d, "_generate", fail)
    D.clear_cache()
    cached = D.load_mnist1d(cache_dir=folder)
    for k in mnist:
        np.testing.assert_array_equal(cached[k], mnist[k])
    D.clear_cache(disk=True, cache_dir=folder)
    assert not list(folder.glob("*.npz"))


def test_mnist1d_corrupt_cache_is_regenerated(mnist, tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    folder.mkdir()
    path = folder / f"mnist1d-{_mnist1d._mnist1d_version()}-seed42.npz"
    path.write_bytes(b"not a zip file")
    calls = []
    monkeypatch.setattr(_mnist1d, "_generate", lambda seed: calls.append(seed) or dict(mnist))
    D.clear_cache()
    data = D.load_mnist1d(cache_dir=folder)
    assert calls == [42]
    np.testing.assert_array_equal(data["x"], mnist["x"])
    with np.load(path, allow_pickle=False) as f:
        np.testing.assert_array_equal(f["y"], mnist["y"])
    D.clear_cache()


def test_mnist1d_cache_false_writes_nothing(mnist, tmp_path, monkeypatch):
    monkeypatch.setattr(_mnist1d, "_generate", lambda seed: dict(mnist))
    D.clear_cache()
    D.load_mnist1d(cache=False, cache_dir=tmp_path)
    assert not list(tmp_path.iterdir())
    D.clear_cache()


def test_mnist1d_returns_fresh_arrays(mnist, mnist_cache):
    a = D.load_mnist1d(cache_dir=mnist_cache)
    a["x"][:] = 0.0
    b = D.load_mnist1d(cache_dir=mnist_cache)
    np.testing.assert_array_equal(b["x"], mnist["x"])


@pytest.mark.parametrize("seed", [-1, 2**32])
def test_mnist1d_rejects_out_of_range_seed(seed):
    with pytest.raises(ValueError):
        D.load_mnist1d(seed=seed)


def test_default_cache_dir_follows_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("AUTOGRAD_CORE_CACHE", str(tmp_path / "a"))
    assert D.default_cache_dir() == tmp_path / "a"
    monkeypatch.delenv("AUTOGRAD_CORE_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert D.default_cache_dir() == tmp_path / "xdg" / "autograd_core"
