"""The doc test's stand-in for traces/examples/fashion_model.py (README tour step 5, docs/user-guide/import.md):
the same network and data, trained on 2,000 images for one epoch and scored on 1,000 test images, so that the
documented import commands run in seconds instead of minutes. The accuracy it reaches means nothing."""
import importlib.util
import pathlib

_spec = importlib.util.spec_from_file_location(
    "fashion_model", pathlib.Path(__file__).resolve().parents[2] / "traces" / "examples" / "fashion_model.py")
_example = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_example)
_example.TRAIN_IMAGES, _example.EPOCHS = 2000, 1


def model():
    return _example.model()


def test_data():
    x, y = _example.test_data()
    return x[:1000], y[:1000]


def calibration_data():
    return _example.calibration_data()[:500]
