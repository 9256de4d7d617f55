/* Lookups in the screening index's sorted hash arrays (casework.screening.arrays.TokenMap).
 *
 * A TokenMap is two arrays sorted together: 64-bit hashes of strings and the ids stored
 * under them. A lookup is a binary search for each hash; numpy does it in half a dozen
 * calls (two searchsorted, then the runs gathered), each costing more than the search
 * on the short arrays of one query's words. These answer the same in one call.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* The buffer of ``object``: one-dimensional items of ``size`` signed bytes. */
static int take(PyObject *object, Py_buffer *view, Py_ssize_t size, const char *name) {
    if (PyObject_GetBuffer(object, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) return -1;
    const char *format = view->format && view->format[0] ? view->format : "B";
    char last = format[strlen(format) - 1];
    int is_signed = last == 'b' || last == 'h' || last == 'i' || last == 'l' || last == 'q';
    if (view->ndim != 1 || view->itemsize != size || !is_signed) {
        PyErr_Format(PyExc_TypeError, "%s: a one-dimensional array of %zd-byte integers", name,
                     size);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

/* The first position whose hash is at least ``key``. */
static Py_ssize_t bound(const int64_t *hashes, Py_ssize_t size, int64_t key) {
    Py_ssize_t low = 0, high = size;
    while (low < high) {
        Py_ssize_t middle = low + (high - low) / 2;
        if (hashes[middle] < key)
            low = middle + 1;
        else
            high = middle;
    }
    return low;
}

/* The ids stored under each key, appended to ``found`` (a list). */
static int append_runs(const int64_t *hashes, const int32_t *ids, Py_ssize_t size,
                       const int64_t *keys, Py_ssize_t count, PyObject *found) {
    for (Py_ssize_t k = 0; k < count; k++) {
        Py_ssize_t start = bound(hashes, size, keys[k]);
        for (Py_ssize_t at = start; at < size && hashes[at] == keys[k]; at++) {
            PyObject *id = PyLong_FromLong(ids[at]);
            if (id == NULL || PyList_Append(found, id) < 0) {
                Py_XDECREF(id);
                return -1;
            }
            Py_DECREF(id);
        }
    }
    return 0;
}

/* Both arrays of a map, which must be as long as each other. */
static int take_map(PyObject *hashes_object, PyObject *ids_object, Py_buffer *hashes,
                    Py_buffer *ids) {
    if (take(hashes_object, hashes, 8, "hashes") < 0) return -1;
    if (take(ids_object, ids, 4, "ids") < 0) {
        PyBuffer_Release(hashes);
        return -1;
    }
    if (hashes->shape[0] != ids->shape[0]) {
        PyErr_SetString(PyExc_ValueError, "hashes and ids: as long as each other");
        PyBuffer_Release(hashes);
        PyBuffer_Release(ids);
        return -1;
    }
    return 0;
}

/* The ids stored under ``count`` keys of the map given as two objects, as a list. */
static PyObject *runs_of(PyObject *hashes_object, PyObject *ids_object, const int64_t *keys,
                         Py_ssize_t count) {
    Py_buffer hashes, ids;
    if (take_map(hashes_object, ids_object, &hashes, &ids) < 0) return NULL;
    PyObject *found = PyList_New(0);
    if (found != NULL && append_runs(hashes.buf, ids.buf, hashes.shape[0], keys, count,
                                     found) < 0) {
        Py_CLEAR(found);
    }
    PyBuffer_Release(&hashes);
    PyBuffer_Release(&ids);
    return found;
}

PyDoc_STRVAR(gather_doc,
             "gather(hashes, ids, keys) -> list[int]\n\n"
             "The ids stored under each of the keys (an int64 array), key after key, each\n"
             "key's in the order stored.");

static PyObject *gather(PyObject *self, PyObject *args) {
    PyObject *hashes_object, *ids_object, *keys_object;
    if (!PyArg_ParseTuple(args, "OOO", &hashes_object, &ids_object, &keys_object)) return NULL;
    Py_buffer keys;
    if (take(keys_object, &keys, 8, "keys") < 0) return NULL;
    PyObject *found = runs_of(hashes_object, ids_object, keys.buf, keys.shape[0]);
    PyBuffer_Release(&keys);
    return found;
}

PyDoc_STRVAR(gather_one_doc,
             "gather_one(hashes, ids, key) -> list[int]\n\n"
             "The ids stored under one key (an int), in the order stored.");

static PyObject *gather_one(PyObject *self, PyObject *args) {
    PyObject *hashes_object, *ids_object;
    long long key;
    if (!PyArg_ParseTuple(args, "OOL", &hashes_object, &ids_object, &key)) return NULL;
    int64_t wanted = (int64_t)key;
    return runs_of(hashes_object, ids_object, &wanted, 1);
}

PyDoc_STRVAR(contains_doc,
             "contains(hashes, keys) -> list[bool]\n\n"
             "Whether each of the keys (an int64 array) is in the sorted hashes.");

static PyObject *contains(PyObject *self, PyObject *args) {
    PyObject *hashes_object, *keys_object;
    if (!PyArg_ParseTuple(args, "OO", &hashes_object, &keys_object)) return NULL;
    Py_buffer hashes, keys;
    if (take(hashes_object, &hashes, 8, "hashes") < 0) return NULL;
    if (take(keys_object, &keys, 8, "keys") < 0) {
        PyBuffer_Release(&hashes);
        return NULL;
    }
    const int64_t *h = hashes.buf, *k = keys.buf;
    Py_ssize_t size = hashes.shape[0], count = keys.shape[0];
    PyObject *found = PyList_New(count);
    for (Py_ssize_t i = 0; found != NULL && i < count; i++) {
        Py_ssize_t at = bound(h, size, k[i]);
        PyList_SET_ITEM(found, i, Py_NewRef(at < size && h[at] == k[i] ? Py_True : Py_False));
    }
    PyBuffer_Release(&hashes);
    PyBuffer_Release(&keys);
    return found;
}

static PyMethodDef methods[] = {
    {"gather", gather, METH_VARARGS, gather_doc},
    {"gather_one", gather_one, METH_VARARGS, gather_one_doc},
    {"contains", contains, METH_VARARGS, contains_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_hashes",
    .m_doc = "Lookups in sorted hash arrays (see arrays.py).",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC PyInit__hashes(void) { return PyModule_Create(&module); }
