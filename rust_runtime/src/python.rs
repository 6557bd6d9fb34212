//! Python bindings: thin wrappers that borrow NumPy buffers without copying,
//! run the kernels with the GIL released and return NumPy arrays. Unsupported
//! input raises `TypeError`; nothing here panics.

use std::borrow::Cow;

use numpy::ndarray::Array2;
use numpy::{Element, IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::exceptions::{PyIndexError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyFloat, PyList, PyString};

use crate::arrow::{Offset, StrChunk};
use crate::category_codes::{self, Categorized, Codes};
use crate::factorize::{self, Factorized};
use crate::groupby::{self, AggFn, Column};
use crate::join::{self, KeyCodes};
use crate::strings::{self, ArrowStrings, Mapped, Match, OutOffset, Transform};
use crate::{onehot, quantile, value_counts};

/// A NumPy array of dtype object.
type ObjectArray<'py> = Bound<'py, PyArray1<Py<PyAny>>>;

/// The array's buffer, copied only when it is not contiguous.
fn contiguous<'a, T: Element + Copy>(array: &'a PyReadonlyArray1<'_, T>) -> Cow<'a, [T]> {
    match array.as_slice() {
        Ok(slice) => Cow::Borrowed(slice),
        Err(_) => Cow::Owned(array.as_array().iter().copied().collect()),
    }
}

fn gather<T: Copy>(values: &[T], positions: &[usize]) -> Vec<T> {
    positions.iter().map(|&i| values[i]).collect()
}

fn codes_to_array(py: Python<'_>, codes: Codes) -> Bound<'_, PyAny> {
    match codes {
        Codes::I8(v) => v.into_pyarray(py).into_any(),
        Codes::I16(v) => v.into_pyarray(py).into_any(),
        Codes::I32(v) => v.into_pyarray(py).into_any(),
        Codes::I64(v) => v.into_pyarray(py).into_any(),
    }
}

/// A list or 1-D object array of str.
enum Source<'py> {
    List(Bound<'py, PyList>),
    Array(PyReadonlyArray1<'py, Py<PyAny>>),
}

impl<'py> Source<'py> {
    fn new(values: &Bound<'py, PyAny>) -> PyResult<Self> {
        if let Ok(list) = values.cast::<PyList>() {
            return Ok(Source::List(list.clone()));
        }
        let array = values.extract().map_err(|err| {
            PyTypeError::new_err(format!(
                "expected a list or a 1-D NumPy array of dtype object: {err}"
            ))
        })?;
        Ok(Source::Array(array))
    }

    fn item(&self, i: usize) -> PyResult<Bound<'py, PyAny>> {
        match self {
            Source::List(list) => list.get_item(i),
            Source::Array(array) => array
                .get(i)
                .map(|o| o.bind(array.py()).clone())
                .ok_or_else(|| PyIndexError::new_err(i)),
        }
    }

    /// The address of each element's object: equal addresses, same object.
    fn ids(&self) -> Vec<usize> {
        self.ids_prefix(usize::MAX)
    }

    /// [`Source::ids`] of the first `n` elements.
    fn ids_prefix(&self, n: usize) -> Vec<usize> {
        match self {
            Source::List(list) => list.iter().take(n).map(|o| o.as_ptr() as usize).collect(),
            Source::Array(array) => array
                .as_array()
                .iter()
                .take(n)
                .map(|o| o.as_ptr() as usize)
                .collect(),
        }
    }

    /// The objects at `positions`, as an object array.
    fn objects_at(&self, py: Python<'py>, positions: &[usize]) -> PyResult<ObjectArray<'py>> {
        let objects = positions
            .iter()
            .map(|&i| self.item(i).map(Bound::unbind))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(objects.into_pyarray(py))
    }
}

/// When at most half of this many leading elements are distinct objects,
/// the column is read once per distinct object rather than per element.
const IDENTITY_SAMPLE: usize = 4096;

/// The text of a column of str objects, copied as UTF-8 into one buffer so
/// that the kernels run without the GIL and without holding a reference to
/// any object.
///
/// Columns often repeat the same few objects (values taken from a pool,
/// `Categorical.to_numpy()`, Python's interned literals). Those are first
/// factorized by object address, and only each distinct object's text is
/// read and hashed. Addresses are only compared, never dereferenced, and
/// objects are read back by position with the GIL held, so a column that
/// another thread mutates meanwhile gives stale results, never unsafety.
struct StrKeys {
    text: String,
    /// Byte range of each text in `text`; `None` when missing.
    spans: Vec<Option<(usize, usize)>>,
    /// With repeated objects: for each element the index of its object in
    /// `spans`, and for each object its first position.
    objects: Option<Factorized<usize>>,
}

/// Whether at most half of the column's leading elements are distinct
/// objects: the test [`StrKeys::read`] reads repeated objects once by.
fn repeats_objects(source: &Source<'_>) -> bool {
    let sample = source.ids_prefix(IDENTITY_SAMPLE);
    sample.iter().collect::<ahash::AHashSet<_>>().len() * 2 <= sample.len()
}

impl StrKeys {
    fn read(py: Python<'_>, source: &Source<'_>) -> PyResult<Self> {
        Self::read_with(py, source, false)
    }

    /// With `exact`, str subclasses are refused too (`TypeError`): they may
    /// override the methods pandas calls per element.
    fn read_with(py: Python<'_>, source: &Source<'_>, exact: bool) -> PyResult<Self> {
        let ids = source.ids();
        let sample = &ids[..ids.len().min(IDENTITY_SAMPLE)];
        let distinct = sample.iter().collect::<ahash::AHashSet<_>>().len();
        let (positions, objects) = if distinct * 2 <= sample.len() {
            let objects = py.detach(|| factorize::factorize_by(&ids, |&id| Some(id)));
            (objects.first.clone(), Some(objects))
        } else {
            ((0..ids.len()).collect(), None)
        };
        let mut keys = StrKeys {
            text: String::new(),
            spans: Vec::with_capacity(positions.len()),
            objects,
        };
        for i in positions {
            let item = source.item(i)?;
            if exact
                && item.is_instance_of::<PyString>()
                && !item.is_exact_instance_of::<PyString>()
            {
                let type_name = item.get_type().name()?;
                return Err(PyTypeError::new_err(format!(
                    "element {i} has type {type_name}, a subclass of str"
                )));
            }
            keys.push(i, &item)?;
        }
        Ok(keys)
    }

    /// The text of each distinct object (each element without repeats),
    /// `None` when missing.
    fn distinct_texts(&self) -> Vec<Option<&str>> {
        self.spans.iter().map(|span| self.key(span)).collect()
    }

    /// The element position of distinct object `j`.
    fn position(&self, j: usize) -> usize {
        self.objects.as_ref().map_or(j, |o| o.first[j])
    }

    /// Per-distinct-object results, per element.
    fn spread<T: Clone>(&self, per_object: Vec<T>) -> Vec<T> {
        match &self.objects {
            Some(o) => o
                .codes
                .iter()
                .map(|&c| per_object[c as usize].clone())
                .collect(),
            None => per_object,
        }
    }

    /// Appends element `i`: a str, or `None` / float NaN as missing.
    fn push(&mut self, i: usize, item: &Bound<'_, PyAny>) -> PyResult<()> {
        let span = if let Ok(s) = item.cast::<PyString>() {
            let s = s.to_str().map_err(|_| {
                PyTypeError::new_err(format!(
                    "element {i} is a str with lone surrogates, which is unsupported"
                ))
            })?;
            let start = self.text.len();
            self.text.push_str(s);
            Some((start, self.text.len()))
        } else if item.is_none() || item.cast::<PyFloat>().is_ok_and(|f| f.value().is_nan()) {
            None
        } else {
            let type_name = item.get_type().name()?;
            return Err(PyTypeError::new_err(format!(
                "element {i} has type {type_name}; expected str, None or NaN"
            )));
        };
        self.spans.push(span);
        Ok(())
    }

    fn key(&self, span: &Option<(usize, usize)>) -> Option<&str> {
        span.map(|(start, end)| &self.text[start..end])
    }

    /// Every element's text (None when missing), in element order.
    fn row_keys(&self) -> Vec<Option<&str>> {
        match &self.objects {
            Some(objects) => objects
                .codes
                .iter()
                .map(|&o| self.key(&self.spans[o as usize]))
                .collect(),
            None => self.spans.iter().map(|span| self.key(span)).collect(),
        }
    }

    fn factorize(&self) -> Factorized<&str> {
        let by_key = factorize::factorize_by(&self.spans, |span| self.key(span));
        match &self.objects {
            Some(objects) => factorize::compose(objects, by_key),
            None => by_key,
        }
    }

    fn categorize(&self) -> Categorized<&str> {
        category_codes::categorize(self.factorize(), Ord::cmp)
    }
}

/// `(codes, first positions)` of a factorization, renumbered by sorted key
/// order when `sort`: what groupby (sorted groups), one-hot encoding
/// (sorted categories) and value_counts (first appearance) index with.
fn group_codes<K, C>(f: Factorized<K>, sort: bool, cmp: C) -> (Vec<i64>, Vec<i64>)
where
    K: Copy + Sync,
    C: Fn(&K, &K) -> std::cmp::Ordering + Sync,
{
    let f = if sort {
        category_codes::sort_factorized(f, cmp)
    } else {
        f
    };
    (f.codes, f.first.into_iter().map(|i| i as i64).collect())
}

type CodesAndFirst<'py> = (Bound<'py, PyArray1<i64>>, Bound<'py, PyArray1<i64>>);

fn codes_and_first(py: Python<'_>, (codes, first): (Vec<i64>, Vec<i64>)) -> CodesAndFirst<'_> {
    (codes.into_pyarray(py), first.into_pyarray(py))
}

fn float_order(a: &u64, b: &u64) -> std::cmp::Ordering {
    // Keys are float_key bit patterns: never NaN, zeros share key 0.
    f64::from_bits(*a).total_cmp(&f64::from_bits(*b))
}

/// An Arrow offsets buffer of `string` (int32) or `large_string` (int64).
enum Offsets<'py> {
    I32(PyReadonlyArray1<'py, i32>),
    I64(PyReadonlyArray1<'py, i64>),
}

/// One Arrow string chunk as passed from Python: its buffers as 1-D NumPy
/// arrays (views of the Arrow buffers), its offset and length.
struct ArrowChunk<'py> {
    offsets: Offsets<'py>,
    data: PyReadonlyArray1<'py, u8>,
    validity: Option<PyReadonlyArray1<'py, u8>>,
    offset: usize,
    len: usize,
}

impl<'py> ArrowChunk<'py> {
    fn extract(item: &Bound<'py, PyAny>) -> PyResult<Self> {
        let (offsets, data, validity, offset, len): (
            Bound<'py, PyAny>,
            PyReadonlyArray1<'py, u8>,
            Option<PyReadonlyArray1<'py, u8>>,
            usize,
            usize,
        ) = item.extract().map_err(|err| {
            PyTypeError::new_err(format!(
                "expected (offsets, data, validity, offset, length) per chunk: {err}"
            ))
        })?;
        let offsets = match offsets.extract::<PyReadonlyArray1<'py, i64>>() {
            Ok(o) => Offsets::I64(o),
            Err(_) => Offsets::I32(offsets.extract().map_err(|err| {
                PyTypeError::new_err(format!("offsets must be int32 or int64: {err}"))
            })?),
        };
        Ok(ArrowChunk {
            offsets,
            data,
            validity,
            offset,
            len,
        })
    }
}

fn slice_of<'a, T: Element>(array: &'a PyReadonlyArray1<'_, T>) -> PyResult<&'a [T]> {
    array
        .as_slice()
        .map_err(|_| PyValueError::new_err("Arrow buffers must be contiguous"))
}

/// Every row of the chunks, as bytes (None when null).
fn arrow_keys<'a>(chunks: &'a [ArrowChunk<'_>]) -> PyResult<Vec<Option<&'a [u8]>>> {
    fn push<'a, O: Offset>(
        offsets: &'a [O],
        c: &'a ArrowChunk<'_>,
        out: &mut Vec<Option<&'a [u8]>>,
    ) -> PyResult<()> {
        let chunk = StrChunk {
            offsets,
            data: slice_of(&c.data)?,
            validity: c.validity.as_ref().map(slice_of).transpose()?,
            offset: c.offset,
            len: c.len,
        };
        chunk.push_keys(out).map_err(PyValueError::new_err)
    }
    let mut keys = Vec::with_capacity(chunks.iter().map(|c| c.len).sum());
    for c in chunks {
        match &c.offsets {
            Offsets::I32(o) => push(slice_of(o)?, c, &mut keys)?,
            Offsets::I64(o) => push(slice_of(o)?, c, &mut keys)?,
        }
    }
    Ok(keys)
}

/// The chunk's buffers as a [`StrChunk`], passed to `f` with its offset type.
macro_rules! with_chunk {
    ($c:expr, |$chunk:ident| $body:expr) => {{
        let c = $c;
        let data = slice_of(&c.data)?;
        let validity = c.validity.as_ref().map(slice_of).transpose()?;
        match &c.offsets {
            Offsets::I32(o) => {
                let $chunk = StrChunk {
                    offsets: slice_of(o)?,
                    data,
                    validity,
                    offset: c.offset,
                    len: c.len,
                };
                $body
            }
            Offsets::I64(o) => {
                let $chunk = StrChunk {
                    offsets: slice_of(o)?,
                    data,
                    validity,
                    offset: c.offset,
                    len: c.len,
                };
                $body
            }
        }
    }};
}

fn extract_chunks<'py>(chunks: &[Bound<'py, PyAny>]) -> PyResult<Vec<ArrowChunk<'py>>> {
    chunks.iter().map(ArrowChunk::extract).collect()
}

/// A transformed chunk as `(offsets or None, data)` NumPy arrays.
type StrBuffers<'py> = (Option<Bound<'py, PyAny>>, Bound<'py, PyArray1<u8>>);

fn str_buffers<O: OutOffset + Element>(py: Python<'_>, s: ArrowStrings<O>) -> StrBuffers<'_> {
    (
        s.offsets.map(|o| o.into_pyarray(py).into_any()),
        s.data.into_pyarray(py),
    )
}

fn parse_transform<'p>(
    method: &str,
    pat: Option<&'p str>,
    repl: Option<&'p str>,
) -> PyResult<Transform<'p>> {
    Transform::parse(method, pat, repl).ok_or_else(|| {
        PyValueError::new_err(format!(
            "unsupported string method {method:?} with these arguments"
        ))
    })
}

fn parse_match<'p>(method: &str, pat: &'p str) -> PyResult<Match<'p>> {
    Match::parse(method, pat)
        .ok_or_else(|| PyValueError::new_err(format!("unsupported string test {method:?}")))
}

fn column_to_array(py: Python<'_>, column: Column) -> Bound<'_, PyAny> {
    match column {
        Column::F64(v) => v.into_pyarray(py).into_any(),
        Column::I64(v) => v.into_pyarray(py).into_any(),
    }
}

/// A float64 or int64 NumPy array.
enum Numbers<'py> {
    F64(PyReadonlyArray1<'py, f64>),
    I64(PyReadonlyArray1<'py, i64>),
}

impl<'py> Numbers<'py> {
    fn extract(values: &Bound<'py, PyAny>) -> PyResult<Self> {
        if let Ok(v) = values.extract() {
            return Ok(Numbers::F64(v));
        }
        values
            .extract()
            .map(Numbers::I64)
            .map_err(|_| PyTypeError::new_err("expected a 1-D float64 or int64 NumPy array"))
    }
}

fn value_error(message: String) -> PyErr {
    PyValueError::new_err(message)
}

type JoinCodes<'py> = (Bound<'py, PyArray1<i64>>, Bound<'py, PyArray1<i64>>, usize);

fn join_codes_to_arrays(py: Python<'_>, codes: KeyCodes) -> JoinCodes<'_> {
    (
        codes.left.into_pyarray(py),
        codes.right.into_pyarray(py),
        codes.n,
    )
}

/// Rust kernels of the Stratum runtime.
#[pymodule]
pub mod _rt {
    use super::*;

    /// `pd.factorize(values, sort=False)` for an int64 array: `(codes, uniques)`.
    #[pyfunction]
    fn factorize_int64<'py>(
        py: Python<'py>,
        values: PyReadonlyArray1<'py, i64>,
    ) -> (Bound<'py, PyArray1<i64>>, Bound<'py, PyArray1<i64>>) {
        let values = contiguous(&values);
        let f = py.detach(|| factorize::factorize_i64(&values));
        (f.codes.into_pyarray(py), f.keys.into_pyarray(py))
    }

    /// `pd.factorize(values, sort=False)` for a float64 array: NaN gets code -1,
    /// and -0.0 and 0.0 are one value.
    #[pyfunction]
    fn factorize_float64<'py>(
        py: Python<'py>,
        values: PyReadonlyArray1<'py, f64>,
    ) -> (Bound<'py, PyArray1<i64>>, Bound<'py, PyArray1<f64>>) {
        let values = contiguous(&values);
        let (codes, uniques) = py.detach(|| {
            let f = factorize::factorize_f64(&values);
            (f.codes, gather(&values, &f.first))
        });
        (codes.into_pyarray(py), uniques.into_pyarray(py))
    }

    /// `pd.factorize(values, sort=False)` for a list or object array of str,
    /// where None and NaN are missing; uniques are the original objects.
    #[pyfunction]
    fn factorize_str<'py>(
        py: Python<'py>,
        values: &Bound<'py, PyAny>,
    ) -> PyResult<(Bound<'py, PyArray1<i64>>, ObjectArray<'py>)> {
        let source = Source::new(values)?;
        let keys = StrKeys::read(py, &source)?;
        let f = py.detach(|| keys.factorize());
        Ok((f.codes.into_pyarray(py), source.objects_at(py, &f.first)?))
    }

    /// `.cat.codes` and `.cat.categories` of `pd.Series(values).astype("category")`
    /// for an int64 array.
    #[pyfunction]
    fn category_codes_int64<'py>(
        py: Python<'py>,
        values: PyReadonlyArray1<'py, i64>,
    ) -> (Bound<'py, PyAny>, Bound<'py, PyArray1<i64>>) {
        let values = contiguous(&values);
        let c = py.detach(|| category_codes::category_codes_i64(&values));
        (codes_to_array(py, c.codes), c.keys.into_pyarray(py))
    }

    /// Category codes for a float64 array; NaN gets code -1.
    #[pyfunction]
    fn category_codes_float64<'py>(
        py: Python<'py>,
        values: PyReadonlyArray1<'py, f64>,
    ) -> (Bound<'py, PyAny>, Bound<'py, PyArray1<f64>>) {
        let values = contiguous(&values);
        let (codes, categories) = py.detach(|| {
            let c = category_codes::category_codes_f64(&values);
            (c.codes, gather(&values, &c.first))
        });
        (codes_to_array(py, codes), categories.into_pyarray(py))
    }

    /// Category codes for a list or object array of str (None and NaN are
    /// missing); categories are sorted by code point, as Python sorts str.
    #[pyfunction]
    fn category_codes_str<'py>(
        py: Python<'py>,
        values: &Bound<'py, PyAny>,
    ) -> PyResult<(Bound<'py, PyAny>, ObjectArray<'py>)> {
        let source = Source::new(values)?;
        let keys = StrKeys::read(py, &source)?;
        let c = py.detach(|| keys.categorize());
        Ok((
            codes_to_array(py, c.codes),
            source.objects_at(py, &c.first)?,
        ))
    }
    /// `(codes, first)` of an int64 array: int64 codes into its distinct
    /// values (sorted when `sort`, else in first-appearance order) and each
    /// distinct value's first position.
    #[pyfunction]
    fn group_codes_int64<'py>(
        py: Python<'py>,
        values: PyReadonlyArray1<'py, i64>,
        sort: bool,
    ) -> CodesAndFirst<'py> {
        let values = contiguous(&values);
        let r = py.detach(|| group_codes(factorize::factorize_i64(&values), sort, Ord::cmp));
        codes_and_first(py, r)
    }

    /// [`group_codes_int64`] for float64: NaN is missing (-1), -0.0 and 0.0
    /// are one value.
    #[pyfunction]
    fn group_codes_float64<'py>(
        py: Python<'py>,
        values: PyReadonlyArray1<'py, f64>,
        sort: bool,
    ) -> CodesAndFirst<'py> {
        let values = contiguous(&values);
        let r = py.detach(|| group_codes(factorize::factorize_f64(&values), sort, float_order));
        codes_and_first(py, r)
    }

    /// [`group_codes_int64`] for a list or object array of str (None and NaN
    /// missing); sorted by code point.
    #[pyfunction]
    fn group_codes_str<'py>(
        py: Python<'py>,
        values: &Bound<'py, PyAny>,
        sort: bool,
    ) -> PyResult<CodesAndFirst<'py>> {
        let source = Source::new(values)?;
        let keys = StrKeys::read(py, &source)?;
        let r = py.detach(|| group_codes(keys.factorize(), sort, Ord::cmp));
        Ok(codes_and_first(py, r))
    }

    /// [`group_codes_int64`] for an Arrow string array given as a list of
    /// chunks `(offsets, data, validity or None, offset, length)`, read in
    /// place: no Python object per row.
    #[pyfunction]
    fn group_codes_arrow_str<'py>(
        py: Python<'py>,
        chunks: Vec<Bound<'py, PyAny>>,
        sort: bool,
    ) -> PyResult<CodesAndFirst<'py>> {
        let chunks = chunks
            .iter()
            .map(ArrowChunk::extract)
            .collect::<PyResult<Vec<_>>>()?;
        let keys = arrow_keys(&chunks)?;
        let r = py.detach(|| group_codes(factorize::factorize_by(&keys, |k| *k), sort, Ord::cmp));
        Ok(codes_and_first(py, r))
    }

    /// `fn` ("sum", "mean", "count", "min", "max", "std", "median", "size")
    /// of each group of `values` (float64 or int64), for group codes in
    /// `-1..n_groups`; see `groupby.rs` for the exact arithmetic.
    #[pyfunction]
    fn groupby_agg<'py>(
        py: Python<'py>,
        codes: PyReadonlyArray1<'py, i64>,
        n_groups: usize,
        values: &Bound<'py, PyAny>,
        r#fn: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let f = AggFn::parse(r#fn)
            .ok_or_else(|| PyValueError::new_err(format!("unsupported aggregation {fn:?}")))?;
        let codes = contiguous(&codes);
        let column = match Numbers::extract(values)? {
            Numbers::F64(v) => {
                let v = contiguous(&v);
                py.detach(|| groupby::aggregate_f64(&codes, n_groups, &v, f))
            }
            Numbers::I64(v) => {
                let v = contiguous(&v);
                py.detach(|| groupby::aggregate_i64(&codes, n_groups, &v, f))
            }
        }
        .map_err(value_error)?;
        Ok(column_to_array(py, column))
    }

    /// Each row's group result (`transform`): NaN for rows without a group,
    /// which makes an int64 result float64 when there are any.
    #[pyfunction]
    fn groupby_broadcast<'py>(
        py: Python<'py>,
        codes: PyReadonlyArray1<'py, i64>,
        per_group: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let codes = contiguous(&codes);
        let per_group = match Numbers::extract(per_group)? {
            Numbers::F64(v) => Column::F64(contiguous(&v).into_owned()),
            Numbers::I64(v) => Column::I64(contiguous(&v).into_owned()),
        };
        let column = py
            .detach(|| groupby::broadcast(&codes, &per_group))
            .map_err(value_error)?;
        Ok(column_to_array(py, column))
    }

    /// `(order, counts)`: the groups of first-appearance `codes` by
    /// descending count (ties in first-appearance order), with their counts.
    #[pyfunction]
    fn value_counts_codes<'py>(
        py: Python<'py>,
        codes: PyReadonlyArray1<'py, i64>,
        n_groups: usize,
    ) -> PyResult<CodesAndFirst<'py>> {
        let codes = contiguous(&codes);
        let (order, counts) = py
            .detach(|| value_counts::value_counts(&codes, n_groups))
            .map_err(value_error)?;
        let order = order.into_iter().map(|g| g as i64).collect::<Vec<_>>();
        Ok((order.into_pyarray(py), counts.into_pyarray(py)))
    }

    /// The `(n_columns, len(codes))` one-hot matrix of `codes` (-1: no one)
    /// in NumPy dtype `dtype` ("bool", "int8", ..., "float64"); its
    /// transpose is the column-major matrix `pd.get_dummies` builds.
    #[pyfunction]
    fn onehot_matrix<'py>(
        py: Python<'py>,
        codes: PyReadonlyArray1<'py, i64>,
        n_columns: usize,
        dtype: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let codes = contiguous(&codes);
        let n = codes.len();
        macro_rules! build {
            ($t:ty, $zero:expr, $one:expr) => {{
                let m = py
                    .detach(|| onehot::onehot::<$t>(&codes, n_columns, $zero, $one))
                    .map_err(value_error)?;
                let m = Array2::from_shape_vec((n_columns, n), m)
                    .map_err(|e| PyValueError::new_err(e.to_string()))?;
                m.into_pyarray(py).into_any()
            }};
        }
        Ok(match dtype {
            "bool" => build!(bool, false, true),
            "int8" => build!(i8, 0, 1),
            "uint8" => build!(u8, 0, 1),
            "int16" => build!(i16, 0, 1),
            "uint16" => build!(u16, 0, 1),
            "int32" => build!(i32, 0, 1),
            "uint32" => build!(u32, 0, 1),
            "int64" => build!(i64, 0, 1),
            "uint64" => build!(u64, 0, 1),
            "float32" => build!(f32, 0.0, 1.0),
            "float64" => build!(f64, 0.0, 1.0),
            other => {
                return Err(PyTypeError::new_err(format!(
                    "unsupported one-hot dtype {other:?}"
                )))
            }
        })
    }

    /// Join codes of int64 keys: `(left codes, right codes, n)`, both in
    /// `-1..n` (-1: the key is not on the other side, so it matches nothing).
    #[pyfunction]
    fn join_codes_int64<'py>(
        py: Python<'py>,
        left: PyReadonlyArray1<'py, i64>,
        right: PyReadonlyArray1<'py, i64>,
    ) -> JoinCodes<'py> {
        let (left, right) = (contiguous(&left), contiguous(&right));
        let codes =
            py.detach(|| join::key_codes(&left, &right, factorize::factorize_i64, |&v| Some(v)));
        join_codes_to_arrays(py, codes)
    }

    /// [`join_codes_int64`] for float64 keys: NaN keys match each other,
    /// -0.0 and 0.0 are one key.
    #[pyfunction]
    fn join_codes_float64<'py>(
        py: Python<'py>,
        left: PyReadonlyArray1<'py, f64>,
        right: PyReadonlyArray1<'py, f64>,
    ) -> JoinCodes<'py> {
        let (left, right) = (contiguous(&left), contiguous(&right));
        let codes = py.detach(|| {
            join::key_codes(&left, &right, factorize::factorize_f64, |&v| {
                factorize::float_key(v)
            })
        });
        join_codes_to_arrays(py, codes)
    }

    /// [`join_codes_int64`] for lists or object arrays of str; None and NaN
    /// are one missing key, which matches itself.
    #[pyfunction]
    fn join_codes_str<'py>(
        py: Python<'py>,
        left: &Bound<'py, PyAny>,
        right: &Bound<'py, PyAny>,
    ) -> PyResult<JoinCodes<'py>> {
        let (left, right) = (Source::new(left)?, Source::new(right)?);
        let (left, right) = (StrKeys::read(py, &left)?, StrKeys::read(py, &right)?);
        let codes = py.detach(|| {
            let (left, right) = (left.row_keys(), right.row_keys());
            join::key_codes(&left, &right, |v| factorize::factorize_str(v), |k| *k)
        });
        Ok(join_codes_to_arrays(py, codes))
    }

    /// [`join_codes_str`] for Arrow string arrays given as chunk lists (see
    /// [`group_codes_arrow_str`]), read in place.
    #[pyfunction]
    fn join_codes_arrow_str<'py>(
        py: Python<'py>,
        left: Vec<Bound<'py, PyAny>>,
        right: Vec<Bound<'py, PyAny>>,
    ) -> PyResult<JoinCodes<'py>> {
        let extract = |chunks: &[Bound<'py, PyAny>]| {
            chunks
                .iter()
                .map(ArrowChunk::extract)
                .collect::<PyResult<Vec<_>>>()
        };
        let (left, right) = (extract(&left)?, extract(&right)?);
        let (left, right) = (arrow_keys(&left)?, arrow_keys(&right)?);
        let codes = py.detach(|| {
            join::key_codes(
                &left,
                &right,
                |v| factorize::factorize_by(v, |k| *k),
                |k| *k,
            )
        });
        Ok(join_codes_to_arrays(py, codes))
    }

    /// `(left indexer, right indexer)` of an inner join (or, with `left`, a
    /// left join: -1 for unmatched left rows) of join codes, in pandas'
    /// order: left rows in order, each with its matches in right order. The
    /// left indexer is None when it is `0..len(left_codes)`.
    #[pyfunction]
    fn join_indexers<'py>(
        py: Python<'py>,
        left_codes: PyReadonlyArray1<'py, i64>,
        right_codes: PyReadonlyArray1<'py, i64>,
        n: usize,
        left: bool,
    ) -> PyResult<(Option<Bound<'py, PyArray1<i64>>>, Bound<'py, PyArray1<i64>>)> {
        let (l, r) = (contiguous(&left_codes), contiguous(&right_codes));
        let j = py
            .detach(|| join::join(&l, &r, n, left))
            .map_err(value_error)?;
        Ok((j.left.map(|v| v.into_pyarray(py)), j.right.into_pyarray(py)))
    }

    /// `Series.median()` of float64 values, or None where pandas must answer
    /// (no values, a non-finite middle or result).
    #[pyfunction]
    fn median_float64(py: Python<'_>, values: PyReadonlyArray1<'_, f64>) -> Option<f64> {
        let values = contiguous(&values);
        py.detach(|| quantile::median_f64(&values))
    }

    /// `Series.quantile(q)` (linear) of float64 values, or None where pandas
    /// must answer (see `quantile.rs`).
    #[pyfunction]
    fn quantile_float64(py: Python<'_>, values: PyReadonlyArray1<'_, f64>, q: f64) -> Option<f64> {
        let values = contiguous(&values);
        py.detach(|| quantile::quantile_f64(&values, q))
    }

    /// [`quantile_float64`] for int64 values.
    #[pyfunction]
    fn quantile_int64(py: Python<'_>, values: PyReadonlyArray1<'_, i64>, q: f64) -> Option<f64> {
        let values = contiguous(&values);
        py.detach(|| quantile::quantile_i64(&values, q))
    }

    /// `.str.<method>()` (lower, upper, strip, lstrip, rstrip; `replace`
    /// with `pat` and `repl`: literal, every occurrence) of an object column
    /// of exact str, None and NaN: an object array of the results, missing
    /// elements kept as they are (pandas keeps them). Non-ASCII text is
    /// case-mapped by Python's own method. Other elements: `TypeError`.
    ///
    /// With `require_repeats`, a column whose leading elements are mostly
    /// distinct objects gives None: there Python's per-element method is
    /// as fast as reading, mapping and re-creating each str.
    #[pyfunction]
    #[pyo3(signature = (values, method, pat=None, repl=None, require_repeats=false))]
    fn str_transform_object<'py>(
        py: Python<'py>,
        values: &Bound<'py, PyAny>,
        method: &str,
        pat: Option<&str>,
        repl: Option<&str>,
        require_repeats: bool,
    ) -> PyResult<Option<ObjectArray<'py>>> {
        let transform = parse_transform(method, pat, repl)?;
        let source = Source::new(values)?;
        if require_repeats && !repeats_objects(&source) {
            return Ok(None);
        }
        let keys = StrKeys::read_with(py, &source, true)?;
        let texts = keys.distinct_texts();
        let blocks = py.detach(|| strings::transform_all(&texts, transform));
        let mut results = Vec::with_capacity(texts.len());
        for block in &blocks {
            for &m in &block.mapped {
                let j = results.len();
                let result = match m {
                    Mapped::Missing | Mapped::Same => source.item(keys.position(j))?,
                    Mapped::New(start, end) => {
                        PyString::new(py, &block.text[start..end]).into_any()
                    }
                    Mapped::Python => source.item(keys.position(j))?.call_method0(method)?,
                };
                results.push(result.unbind());
            }
        }
        let out = match &keys.objects {
            Some(o) => o
                .codes
                .iter()
                .map(|&c| results[c as usize].clone_ref(py))
                .collect(),
            None => results,
        };
        Ok(Some(out.into_pyarray(py)))
    }

    /// `len` of each element of an object column of exact str, None and
    /// NaN; -1 where missing.
    #[pyfunction]
    fn str_len_object<'py>(
        py: Python<'py>,
        values: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArray1<i64>>> {
        let source = Source::new(values)?;
        let keys = StrKeys::read_with(py, &source, true)?;
        let lens = py.detach(|| keys.spread(strings::len_all(&keys.distinct_texts())));
        Ok(lens.into_pyarray(py))
    }

    /// `pat in s`, `s.startswith(pat)` or `s.endswith(pat)` (`method`
    /// contains, startswith, endswith) of each element of an object column
    /// of exact str, None and NaN: 1 true, 0 false, -1 missing.
    #[pyfunction]
    fn str_match_object<'py>(
        py: Python<'py>,
        values: &Bound<'py, PyAny>,
        method: &str,
        pat: &str,
    ) -> PyResult<Bound<'py, PyArray1<i8>>> {
        let m = parse_match(method, pat)?;
        let source = Source::new(values)?;
        let keys = StrKeys::read_with(py, &source, true)?;
        let codes = py.detach(|| keys.spread(strings::match_all(&keys.distinct_texts(), m)));
        Ok(codes.into_pyarray(py))
    }

    /// [`str_transform_object`] of an Arrow string array given as chunks
    /// (see [`group_codes_arrow_str`]): per chunk `(offsets, data)`, offsets
    /// None where the input's are shared (case mapping) and otherwise of the
    /// input's type with its logical offset, so the input's validity bitmap
    /// applies. None when some text is not ASCII and the method maps case.
    #[pyfunction]
    #[pyo3(signature = (chunks, method, pat=None, repl=None))]
    fn str_transform_arrow<'py>(
        py: Python<'py>,
        chunks: Vec<Bound<'py, PyAny>>,
        method: &str,
        pat: Option<&str>,
        repl: Option<&str>,
    ) -> PyResult<Option<Vec<StrBuffers<'py>>>> {
        let transform = parse_transform(method, pat, repl)?;
        let chunks = extract_chunks(&chunks)?;
        let mut out = Vec::with_capacity(chunks.len());
        for c in &chunks {
            let buffers = with_chunk!(c, |chunk| {
                py.detach(|| strings::transform_arrow(&chunk, transform))
                    .map_err(value_error)?
                    .map(|s| str_buffers(py, s))
            });
            match buffers {
                Some(b) => out.push(b),
                None => return Ok(None),
            }
        }
        Ok(Some(out))
    }

    /// `len` of each row of an Arrow string array given as chunks: int64,
    /// or with `as_float` float64 with NaN for null rows (null rows are -1
    /// in the int64 result).
    #[pyfunction]
    fn str_len_arrow<'py>(
        py: Python<'py>,
        chunks: Vec<Bound<'py, PyAny>>,
        as_float: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let chunks = extract_chunks(&chunks)?;
        let n = chunks.iter().map(|c| c.len).sum();
        if as_float {
            let mut out = Vec::with_capacity(n);
            for c in &chunks {
                with_chunk!(c, |chunk| py
                    .detach(|| strings::len_arrow(&chunk, &mut out, |l| l as f64, f64::NAN))
                    .map_err(value_error)?);
            }
            Ok(out.into_pyarray(py).into_any())
        } else {
            let mut out = Vec::with_capacity(n);
            for c in &chunks {
                with_chunk!(c, |chunk| py
                    .detach(|| strings::len_arrow(&chunk, &mut out, |l| l as i64, -1))
                    .map_err(value_error)?);
            }
            Ok(out.into_pyarray(py).into_any())
        }
    }

    /// [`str_match_object`] of an Arrow string array given as chunks, as
    /// bool, null rows `na`.
    #[pyfunction]
    fn str_match_arrow<'py>(
        py: Python<'py>,
        chunks: Vec<Bound<'py, PyAny>>,
        method: &str,
        pat: &str,
        na: bool,
    ) -> PyResult<Bound<'py, PyArray1<bool>>> {
        let m = parse_match(method, pat)?;
        let chunks = extract_chunks(&chunks)?;
        let mut out = Vec::with_capacity(chunks.iter().map(|c| c.len).sum());
        for c in &chunks {
            with_chunk!(c, |chunk| py
                .detach(|| strings::match_arrow(&chunk, m, na, &mut out))
                .map_err(value_error)?);
        }
        Ok(out.into_pyarray(py))
    }
}
