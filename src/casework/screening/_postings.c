/* Posting-list merges for candidate retrieval (casework.screening.postings).
 *
 * Each function walks the sorted arrays itself, where the numpy reference in postings.py
 * makes several whole-array operations and their temporaries; the answers are the same,
 * to the bit. Arrays arrive through the buffer protocol: int32
 * ids, float32 similarities, int8 counts, all C-contiguous.
 *
 * Sums are float32 as numpy computes them: similarity times the weight rounded to
 * float32, then added. The build turns off contraction into fused multiply-adds, which
 * would round once where numpy rounds twice.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    Py_buffer view;
    int held;
} Buffer;

static void release(Buffer *buffer) {
    if (buffer->held) {
        PyBuffer_Release(&buffer->view);
        buffer->held = 0;
    }
}

/* The buffer of ``object``: one-dimensional items of ``size`` bytes and ``kind``
 * ('i' signed, 'f' floating), writable if asked. */
static int take(PyObject *object, Buffer *buffer, Py_ssize_t size, char kind, int writable,
                const char *name) {
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(object, &buffer->view, flags) < 0) {
        return -1;
    }
    buffer->held = 1;
    const char *format = buffer->view.format && buffer->view.format[0] ? buffer->view.format : "B";
    char last = format[strlen(format) - 1];
    int is_float = last == 'f' || last == 'd';
    int is_signed = last == 'b' || last == 'h' || last == 'i' || last == 'l' || last == 'q';
    if (buffer->view.ndim != 1 || buffer->view.itemsize != size ||
        (kind == 'f' && !is_float) || (kind == 'i' && !is_signed)) {
        PyErr_Format(PyExc_TypeError, "%s: a one-dimensional array of %zd-byte %s", name,
                     size, kind == 'f' ? "floats" : "integers");
        release(buffer);
        return -1;
    }
    return 0;
}

/* A sorted run of ids, with a similarity for each or one for all (``sims`` NULL). */
typedef struct {
    const int32_t *ids;
    const float *sims;
    float sim;
    Py_ssize_t size;
    int owned; /* ids and sims were allocated here, by a merge */
} Run;

static void drop(Run *run) {
    if (run->owned) {
        PyMem_Free((void *)run->ids);
        PyMem_Free((void *)run->sims);
    }
    run->owned = 0;
}

static inline float sim_at(const Run *run, Py_ssize_t i) {
    return run->sims ? run->sims[i] : run->sim;
}

/* Two runs merged into ``out`` (ids and, if ``with_sims``, sims allocated here): each id
 * once, with the higher similarity where both hold it. */
static int merge(const Run *a, const Run *b, Run *out, int with_sims) {
    Py_ssize_t size = a->size + b->size;
    int32_t *ids = PyMem_Malloc((size ? size : 1) * sizeof(int32_t));
    float *sims = with_sims ? PyMem_Malloc((size ? size : 1) * sizeof(float)) : NULL;
    if (ids == NULL || (with_sims && sims == NULL)) {
        PyMem_Free(ids);
        PyMem_Free(sims);
        PyErr_NoMemory();
        return -1;
    }
    /* Without a branch on the ids, which interleave unpredictably: each step writes the
     * smaller id and moves past it in either run or both. */
    Py_ssize_t i = 0, j = 0, n = 0;
    if (with_sims) {
        while (i < a->size && j < b->size) {
            int32_t x = a->ids[i], y = b->ids[j];
            float p = sim_at(a, i), q = sim_at(b, j);
            int from_a = x <= y, from_b = y <= x;
            float both = p >= q ? p : q;
            ids[n] = from_a ? x : y;
            sims[n] = from_a ? (from_b ? both : p) : q;
            n++;
            i += from_a;
            j += from_b;
        }
    } else {
        while (i < a->size && j < b->size) {
            int32_t x = a->ids[i], y = b->ids[j];
            int from_a = x <= y, from_b = y <= x;
            ids[n++] = from_a ? x : y;
            i += from_a;
            j += from_b;
        }
    }
    for (; i < a->size; i++, n++) {
        ids[n] = a->ids[i];
        if (with_sims) sims[n] = sim_at(a, i);
    }
    for (; j < b->size; j++, n++) {
        ids[n] = b->ids[j];
        if (with_sims) sims[n] = sim_at(b, j);
    }
    *out = (Run){.ids = ids, .sims = sims, .size = n, .owned = 1};
    return 0;
}

/* Runs kept in order of size, largest first, so the two smallest are at the end. */
static void insert_by_size(Run *runs, Py_ssize_t count, Run run) {
    Py_ssize_t at = count;
    while (at > 0 && runs[at - 1].size < run.size) {
        runs[at] = runs[at - 1];
        at--;
    }
    runs[at] = run;
}

PyDoc_STRVAR(union_best_doc,
             "union_best(lists, sims, out_ids, out_sims) -> int\n\n"
             "Merge sorted, duplicate-free id arrays into out_ids, each id once, with the\n"
             "highest similarity of the lists holding it in out_sims (None: no\n"
             "similarities). Returns how many ids were written; the outputs must hold\n"
             "the lists' total length.");

/* The two smallest runs are merged first, as in building a Huffman code: a word's
 * expansions are one long list and many short ones, and the long one is then copied
 * about once rather than once per short list. */
static PyObject *union_best(PyObject *self, PyObject *args) {
    PyObject *lists, *sims, *out_ids_object, *out_sims_object;
    if (!PyArg_ParseTuple(args, "OOOO", &lists, &sims, &out_ids_object, &out_sims_object)) {
        return NULL;
    }
    int with_sims = out_sims_object != Py_None;
    /* Tuples, which nothing run meanwhile (a number's __float__) can shorten. */
    PyObject *list_seq = PySequence_Tuple(lists);
    if (list_seq == NULL) return NULL;
    PyObject *sim_seq = PySequence_Tuple(sims);
    if (sim_seq == NULL) {
        Py_DECREF(list_seq);
        return NULL;
    }
    Py_ssize_t count = PySequence_Fast_GET_SIZE(list_seq);
    Buffer *buffers = PyMem_Calloc(count ? count : 1, sizeof(Buffer));
    Run *runs = PyMem_Calloc(count ? count : 1, sizeof(Run));
    Buffer out_ids = {0}, out_sims = {0};
    Py_ssize_t held = 0, total = 0;
    PyObject *result = NULL;
    if (buffers == NULL || runs == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    if (with_sims && PySequence_Fast_GET_SIZE(sim_seq) != count) {
        PyErr_SetString(PyExc_ValueError, "sims: one for each list");
        goto done;
    }
    for (Py_ssize_t k = 0; k < count; k++) {
        if (take(PySequence_Fast_GET_ITEM(list_seq, k), &buffers[k], 4, 'i', 0, "lists") < 0)
            goto done;
        Run run = {.ids = buffers[k].view.buf, .size = buffers[k].view.shape[0]};
        if (with_sims) {
            double sim = PyFloat_AsDouble(PySequence_Fast_GET_ITEM(sim_seq, k));
            if (sim == -1.0 && PyErr_Occurred()) goto done;
            run.sim = (float)sim;
        }
        total += run.size;
        if (run.size) insert_by_size(runs, held++, run);
    }
    if (take(out_ids_object, &out_ids, 4, 'i', 1, "out_ids") < 0) goto done;
    if (with_sims && take(out_sims_object, &out_sims, 4, 'f', 1, "out_sims") < 0) goto done;
    if (out_ids.view.shape[0] < total || (with_sims && out_sims.view.shape[0] < total)) {
        PyErr_SetString(PyExc_ValueError, "out_ids, out_sims: shorter than the lists");
        goto done;
    }
    while (held > 1) {
        Run merged;
        if (merge(&runs[held - 1], &runs[held - 2], &merged, with_sims) < 0) goto done;
        drop(&runs[held - 1]);
        drop(&runs[held - 2]);
        held -= 2;
        insert_by_size(runs, held++, merged);
    }
    Py_ssize_t written = held ? runs[0].size : 0;
    if (written) {
        /* The one run left may be a list given as the output itself. */
        memmove(out_ids.view.buf, runs[0].ids, written * sizeof(int32_t));
        if (with_sims) {
            float *found = out_sims.view.buf;
            for (Py_ssize_t i = 0; i < written; i++) found[i] = sim_at(&runs[0], i);
        }
    }
    result = PyLong_FromSsize_t(written);
done:
    for (Py_ssize_t k = 0; k < held; k++) drop(&runs[k]);
    if (buffers != NULL) {
        for (Py_ssize_t k = 0; k < count; k++) release(&buffers[k]);
    }
    release(&out_ids);
    release(&out_sims);
    PyMem_Free(buffers);
    PyMem_Free(runs);
    Py_DECREF(list_seq);
    Py_DECREF(sim_seq);
    return result;
}

/* The first position from ``at`` whose id is at least ``id``: galloping, then halving,
 * so a probe costs the log of the distance it moves. */
static inline Py_ssize_t seek(const int32_t *ids, Py_ssize_t size, Py_ssize_t at, int32_t id) {
    if (at >= size || ids[at] >= id) return at;
    Py_ssize_t low = at, step = 1;  /* ids[low] < id */
    Py_ssize_t high = at + 1;
    while (high < size && ids[high] < id) {
        low = high;
        step *= 2;
        high = at + step;
    }
    if (high > size) high = size;
    /* ids[low] < id, and ids[high] >= id or high == size */
    while (high - low > 1) {
        Py_ssize_t middle = low + (high - low) / 2;
        if (ids[middle] < id)
            low = middle;
        else
            high = middle;
    }
    return high;
}

PyDoc_STRVAR(probe_doc,
             "probe(cand, ids, sims, weight, counts, overlap) -> None\n\n"
             "For each candidate found in the sorted ids, add one to its count and its\n"
             "similarity times weight (float32) to its overlap.");

static PyObject *probe(PyObject *self, PyObject *args) {
    PyObject *cand_object, *ids_object, *sims_object, *counts_object, *overlap_object;
    double weight;
    if (!PyArg_ParseTuple(args, "OOOdOO", &cand_object, &ids_object, &sims_object, &weight,
                          &counts_object, &overlap_object)) {
        return NULL;
    }
    Buffer cand = {0}, ids = {0}, sims = {0}, counts = {0}, overlap = {0};
    PyObject *result = NULL;
    if (take(cand_object, &cand, 4, 'i', 0, "cand") < 0 ||
        take(ids_object, &ids, 4, 'i', 0, "ids") < 0 ||
        take(sims_object, &sims, 4, 'f', 0, "sims") < 0 ||
        take(counts_object, &counts, 1, 'i', 1, "counts") < 0 ||
        take(overlap_object, &overlap, 4, 'f', 1, "overlap") < 0) {
        goto done;
    }
    Py_ssize_t n_cand = cand.view.shape[0], n_ids = ids.view.shape[0];
    if (sims.view.shape[0] != n_ids || counts.view.shape[0] != n_cand ||
        overlap.view.shape[0] != n_cand) {
        PyErr_SetString(PyExc_ValueError, "sims as long as ids, counts and overlap as cand");
        goto done;
    }
    const int32_t *c = cand.view.buf, *p = ids.view.buf;
    const float *s = sims.view.buf;
    int8_t *hits = counts.view.buf;
    float *sum = overlap.view.buf;
    const float w = (float)weight;
    Py_ssize_t at = 0;
    for (Py_ssize_t k = 0; k < n_cand && at < n_ids; k++) {
        at = seek(p, n_ids, at, c[k]);
        if (at < n_ids && p[at] == c[k]) {
            hits[k] += 1;
            float add = s[at] * w;
            sum[k] = sum[k] + add;
        }
    }
    result = Py_NewRef(Py_None);
done:
    release(&cand);
    release(&ids);
    release(&sims);
    release(&counts);
    release(&overlap);
    return result;
}

PyDoc_STRVAR(rank_keys_doc,
             "rank_keys(lists, shift, out) -> None\n\n"
             "Write each id of the k-th list shifted left by shift bits, with k in the\n"
             "bits freed, into out: sorted, they give every id in order and, first among\n"
             "its equals, the earliest list holding it.");

static PyObject *rank_keys(PyObject *self, PyObject *args) {
    PyObject *lists, *out_object;
    int shift;
    if (!PyArg_ParseTuple(args, "OiO", &lists, &shift, &out_object)) return NULL;
    PyObject *list_seq = PySequence_Tuple(lists);
    if (list_seq == NULL) return NULL;
    Py_ssize_t count = PyTuple_GET_SIZE(list_seq);
    Buffer out = {0}, part = {0};
    PyObject *result = NULL;
    if (shift < 0 || shift > 30 || count > ((Py_ssize_t)1 << shift)) {
        PyErr_SetString(PyExc_ValueError, "shift: too few bits for the lists' ranks");
        goto done;
    }
    if (take(out_object, &out, 4, 'i', 1, "out") < 0) goto done;
    int32_t *keys = out.view.buf;
    const int32_t highest = INT32_MAX >> shift;
    Py_ssize_t room = out.view.shape[0], at = 0;
    for (Py_ssize_t k = 0; k < count; k++) {
        if (take(PyTuple_GET_ITEM(list_seq, k), &part, 4, 'i', 0, "lists") < 0) goto done;
        const int32_t *ids = part.view.buf;
        Py_ssize_t size = part.view.shape[0];
        if (size > room - at) {
            PyErr_SetString(PyExc_ValueError, "out: shorter than the lists");
            goto done;
        }
        for (Py_ssize_t i = 0; i < size; i++) {
            if (ids[i] < 0 || ids[i] > highest) {
                PyErr_SetString(PyExc_ValueError, "lists: an id too large to shift");
                goto done;
            }
            keys[at++] = (int32_t)(((uint32_t)ids[i] << shift) | (uint32_t)k);
        }
        release(&part);
    }
    result = Py_NewRef(Py_None);
done:
    release(&part);
    release(&out);
    Py_DECREF(list_seq);
    return result;
}

static PyMethodDef methods[] = {
    {"union_best", union_best, METH_VARARGS, union_best_doc},
    {"probe", probe, METH_VARARGS, probe_doc},
    {"rank_keys", rank_keys, METH_VARARGS, rank_keys_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_postings",
    .m_doc = "Posting-list merges (see postings.py).",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC PyInit__postings(void) { return PyModule_Create(&module); }
