"""python/onc/errors.py's status list against the C one (include/onc/status.h's
ONC_STATUS_LIST), read from the built libonc.so through onc_status_name() and onc_strerror():
the same values, names and texts, in both directions."""

import ctypes
import os

import pytest

from conftest import build_dir
from onc import errors
from onc.errors import Status

UNKNOWN_NAME = "ONC_UNKNOWN_STATUS"


@pytest.fixture(scope="module")
def libonc():
    path = build_dir() / "lib" / "libonc.so"
    if not os.access(path, os.R_OK):
        pytest.fail(f"{path} is missing: cmake --build {build_dir()} --target onc_shared",
                    pytrace=False)
    lib = ctypes.CDLL(str(path))
    for f in (lib.onc_status_name, lib.onc_strerror):
        f.argtypes = [ctypes.c_int]
        f.restype = ctypes.c_char_p
    return lib


def c_name(status):
    """The C enum's name of a Python Status: OK is ONC_OK, NOMEM is ONC_ERR_NOMEM."""
    return "ONC_OK" if status is Status.OK else f"ONC_ERR_{status.name}"


@pytest.fixture(scope="module")
def c_statuses(libonc):
    """{value: (name, text)} of every C status: the list runs from 0 without gaps (its values
    are the places in ONC_STATUS_LIST), up to the first unknown value."""
    out = {}
    while (name := libonc.onc_status_name(len(out)).decode()) != UNKNOWN_NAME:
        out[len(out)] = (name, libonc.onc_strerror(len(out)).decode())
    return out


def test_every_c_status_is_in_python(c_statuses):
    for value, (name, text) in c_statuses.items():
        try:
            status = Status(value)
        except ValueError:
            pytest.fail(f"C has {name} = {value}, python/onc/errors.py's Status has no {value}")
        assert c_name(status) == name, f"value {value}"
        assert errors.strerror(status) == text, f"{name}"


def test_every_python_status_is_in_c(c_statuses):
    for status in Status:
        assert status.value in c_statuses, f"Status.{status.name} = {status.value} is not in C"
        assert c_statuses[status.value] == (c_name(status), errors.strerror(status))
    assert len(Status) == len(c_statuses)


def test_unknown_values(libonc, c_statuses):
    for value in (-1, len(c_statuses), 1000):
        assert errors.strerror(value) == libonc.onc_strerror(value).decode() == "unknown status"
        assert libonc.onc_status_name(value).decode() == UNKNOWN_NAME
