//! Python bindings: thin wrappers that borrow NumPy buffers without copying,
//! run the kernels with the GIL released and return NumPy arrays. Unsupported
//! input raises `TypeError`; nothing here panics.

use std::borrow::Cow;

use numpy::{Element, IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::exceptions::{PyIndexError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyFloat, PyList, PyString};

use crate::category_codes::{self, Categorized, Codes};
use crate::factorize::{self, Factorized};

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
        match self {
            Source::List(list) => list.iter().map(|o| o.as_ptr() as usize).collect(),
            Source::Array(array) => array
                .as_array()
                .iter()
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

impl StrKeys {
    fn read(py: Python<'_>, source: &Source<'_>) -> PyResult<Self> {
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
            keys.push(i, &source.item(i)?)?;
        }
        Ok(keys)
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
}
