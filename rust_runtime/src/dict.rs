//! Insertion-ordered dictionaries from key to code, and the (parallel)
//! interning of a whole input into one, shared by the kernels.

use std::collections::HashMap;
use std::hash::Hash;

use ahash::RandomState;
use rayon::prelude::*;

/// Code given to missing values (pandas' `na_sentinel`).
pub const MISSING: i64 = -1;

/// Below this many elements per task, rayon's splitting costs more than it saves.
pub(crate) const MIN_PAR_LEN: usize = 1 << 14;

/// Values in this leading block are always interned serially; how many
/// distinct keys it holds decides whether the rest is worth parallelising.
pub(crate) const SERIAL_PREFIX: usize = 1 << 16;

/// With more than one distinct key per this many values in the prefix,
/// merging per-chunk dictionaries would redo most of the hashing serially,
/// so one serial pass is faster.
const HIGH_CARDINALITY_RATIO: usize = 8;

/// Integers spanning fewer values than this (and not many more than there
/// are values) are looked up in a table indexed by value instead of hashed.
const DIRECT_MAX_SPAN: u64 = 1 << 20;

/// An insertion-ordered dictionary from key to code.
pub(crate) trait Dict<K>: Send + Sync {
    /// The code of `key`, first seen at input position `pos` if it is new.
    fn intern(&mut self, key: K, pos: usize) -> i64;
    /// The code of a key interned before.
    fn code(&self, key: K) -> Option<i64>;
    /// The distinct keys with their first positions, in code order.
    fn uniques(&self) -> &[(K, usize)];
    fn into_uniques(self) -> Vec<(K, usize)>;
}

pub(crate) struct HashDict<K> {
    map: HashMap<K, i64, RandomState>,
    uniques: Vec<(K, usize)>,
}

impl<K> HashDict<K> {
    pub(crate) fn new() -> Self {
        HashDict {
            map: HashMap::default(),
            uniques: Vec::new(),
        }
    }
}

impl<K: Hash + Eq + Copy + Send + Sync> Dict<K> for HashDict<K> {
    #[inline]
    fn intern(&mut self, key: K, pos: usize) -> i64 {
        // Most lookups hit; `get` is cheaper than `entry` for those.
        if let Some(&code) = self.map.get(&key) {
            return code;
        }
        let code = self.uniques.len() as i64;
        self.map.insert(key, code);
        self.uniques.push((key, pos));
        code
    }

    #[inline]
    fn code(&self, key: K) -> Option<i64> {
        self.map.get(&key).copied()
    }

    fn uniques(&self) -> &[(K, usize)] {
        &self.uniques
    }

    fn into_uniques(self) -> Vec<(K, usize)> {
        self.uniques
    }
}

/// A dictionary for integers in `base..base + span`: a table indexed by
/// value holding code + 1 (0 = not seen yet).
pub(crate) struct DirectDict {
    base: i64,
    slots: Vec<u32>,
    uniques: Vec<(i64, usize)>,
}

impl DirectDict {
    pub(crate) fn new(base: i64, span: usize) -> Self {
        DirectDict {
            base,
            slots: vec![0; span],
            uniques: Vec::new(),
        }
    }
}

impl Dict<i64> for DirectDict {
    #[inline]
    fn intern(&mut self, key: i64, pos: usize) -> i64 {
        let slot = &mut self.slots[key.abs_diff(self.base) as usize];
        if *slot == 0 {
            self.uniques.push((key, pos));
            // At most DIRECT_MAX_SPAN keys, so this fits.
            *slot = self.uniques.len() as u32;
        }
        i64::from(*slot) - 1
    }

    #[inline]
    fn code(&self, key: i64) -> Option<i64> {
        let slot = *self.slots.get(key.checked_sub(self.base)? as usize)?;
        (slot != 0).then(|| i64::from(slot) - 1)
    }

    fn uniques(&self) -> &[(i64, usize)] {
        &self.uniques
    }

    fn into_uniques(self) -> Vec<(i64, usize)> {
        self.uniques
    }
}

/// `(min, max - min + 1)` of `values` when a [`DirectDict`] pays off.
pub(crate) fn direct_span(values: &[i64]) -> Option<(i64, usize)> {
    let (lo, hi) = values
        .par_chunks(MIN_PAR_LEN)
        .map(|c| {
            c.iter()
                .fold((i64::MAX, i64::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)))
        })
        .reduce(|| (i64::MAX, i64::MIN), |a, b| (a.0.min(b.0), a.1.max(b.1)));
    let span = hi.checked_sub(lo)?.checked_add(1)?;
    // A table much larger than the input would cost more to clear than hashing.
    let fits = (span as u64) < DIRECT_MAX_SPAN && (span as usize) <= values.len().saturating_mul(4);
    fits.then_some((lo, span as usize))
}

/// Whether to intern the `rest` values after a serial `prefix` in parallel.
fn parallel_rest<K>(dict: &impl Dict<K>, prefix: usize, rest: usize) -> bool {
    let high_cardinality = dict.uniques().len() * HIGH_CARDINALITY_RATIO > prefix;
    rest >= SERIAL_PREFIX && rayon::current_num_threads() > 1 && !high_cardinality
}

/// Interns the keys of `values` (which start at input position `offset`);
/// `key` gives `None` for missing values.
fn intern_serial<T, K>(
    dict: &mut impl Dict<K>,
    values: &[T],
    offset: usize,
    key: &impl Fn(&T) -> Option<K>,
) {
    for (i, v) in values.iter().enumerate() {
        if let Some(k) = key(v) {
            dict.intern(k, offset + i);
        }
    }
}

/// [`intern_serial`] that also writes each value's code into `out`.
fn encode_serial<T, K>(
    dict: &mut impl Dict<K>,
    values: &[T],
    out: &mut [i64],
    offset: usize,
    key: &impl Fn(&T) -> Option<K>,
) {
    for (i, (v, o)) in values.iter().zip(out.iter_mut()).enumerate() {
        *o = key(v).map_or(MISSING, |k| dict.intern(k, offset + i));
    }
}

/// [`intern_serial`] (or, given `out`, [`encode_serial`]) in parallel: one
/// dictionary per chunk, merged in chunk order, each in its own
/// first-appearance order, which is exactly the global first-appearance
/// order. Codes written per chunk are then rewritten to the merged ones.
fn intern_parallel<T, K, D>(
    dict: &mut D,
    values: &[T],
    offset: usize,
    key: &(impl Fn(&T) -> Option<K> + Sync),
    new_dict: &(impl Fn() -> D + Sync),
    mut out: Option<&mut [i64]>,
) where
    T: Sync,
    K: Copy,
    D: Dict<K>,
{
    // A few chunks per thread let idle threads take over a slow one's share.
    let chunks = 4 * rayon::current_num_threads();
    let chunk = values.len().div_ceil(chunks).max(SERIAL_PREFIX);
    let outs: Vec<Option<&mut [i64]>> = match out.as_deref_mut() {
        Some(out) => out.chunks_mut(chunk).map(Some).collect(),
        None => values.chunks(chunk).map(|_| None).collect(),
    };
    let locals: Vec<D> = values
        .par_chunks(chunk)
        .zip(outs)
        .enumerate()
        .map(|(c, (vals, out))| {
            let mut local = new_dict();
            match out {
                Some(out) => encode_serial(&mut local, vals, out, offset + c * chunk, key),
                None => intern_serial(&mut local, vals, offset + c * chunk, key),
            }
            local
        })
        .collect();
    let remaps: Vec<Vec<i64>> = locals
        .iter()
        .map(|local| {
            local
                .uniques()
                .iter()
                .map(|&(k, pos)| dict.intern(k, pos))
                .collect()
        })
        .collect();
    if let Some(out) = out {
        out.par_chunks_mut(chunk)
            .zip(remaps)
            .for_each(|(out, remap)| {
                for c in out.iter_mut().filter(|c| **c != MISSING) {
                    *c = remap[*c as usize];
                }
            });
    }
}

/// [`intern_serial`], or [`encode_serial`] given `out`.
fn intern_into<T, K>(
    dict: &mut impl Dict<K>,
    values: &[T],
    offset: usize,
    key: &impl Fn(&T) -> Option<K>,
    out: Option<&mut [i64]>,
) {
    match out {
        Some(out) => encode_serial(dict, values, out, offset, key),
        None => intern_serial(dict, values, offset, key),
    }
}

/// Interns every key of `values` into a dictionary made by `new_dict` and,
/// given `out` (as long as `values`), writes each value's code into it.
/// Small or high-cardinality inputs go in one serial pass, others in
/// parallel chunks (see [`intern_parallel`]).
pub(crate) fn intern_all<T, K, D>(
    values: &[T],
    key: &(impl Fn(&T) -> Option<K> + Sync),
    new_dict: impl Fn() -> D + Sync,
    out: Option<&mut [i64]>,
) -> D
where
    T: Sync,
    K: Copy,
    D: Dict<K>,
{
    let mut dict = new_dict();
    let prefix = values.len().min(SERIAL_PREFIX);
    let (head, tail) = match out {
        Some(out) => {
            let (head, tail) = out.split_at_mut(prefix);
            (Some(head), Some(tail))
        }
        None => (None, None),
    };
    intern_into(&mut dict, &values[..prefix], 0, key, head);
    let rest = &values[prefix..];
    if parallel_rest(&dict, prefix, rest.len()) {
        intern_parallel(&mut dict, rest, prefix, key, &new_dict, tail);
    } else {
        intern_into(&mut dict, rest, prefix, key, tail);
    }
    dict
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direct_span_bounds() {
        assert_eq!(direct_span(&[]), None);
        assert_eq!(direct_span(&[5, 3, 5]), Some((3, 3)));
        assert_eq!(direct_span(&[i64::MIN + 1, i64::MIN]), Some((i64::MIN, 2)));
        assert_eq!(direct_span(&[i64::MAX, i64::MIN]), None);
        // Far more slots than values: hash instead.
        assert_eq!(direct_span(&[0, 1000]), None);
    }

    #[test]
    fn direct_dict_codes() {
        let mut d = DirectDict::new(-2, 5);
        assert_eq!(d.intern(2, 0), 0);
        assert_eq!(d.intern(-2, 1), 1);
        assert_eq!(d.intern(2, 2), 0);
        assert_eq!(d.code(-2), Some(1));
        assert_eq!(d.code(0), None);
        assert_eq!(d.code(3), None);
        assert_eq!(d.code(i64::MIN), None);
        assert_eq!(d.uniques(), &[(2, 0), (-2, 1)]);
    }

    #[test]
    fn parallel_interning_keeps_first_appearance_order() {
        let values: Vec<i64> = (0..5 * SERIAL_PREFIX as i64)
            .map(|i| (i * 7919) % 1000)
            .chain((0..50).rev())
            .collect();
        let key = |&v: &i64| Some(v);
        let mut serial = HashDict::new();
        intern_serial(&mut serial, &values, 0, &key);
        let mut parallel = HashDict::new();
        intern_parallel(&mut parallel, &values, 0, &key, &HashDict::new, None);
        assert_eq!(parallel.uniques(), serial.uniques());
        assert_eq!(
            intern_all(&values, &key, HashDict::new, None).uniques(),
            serial.uniques()
        );

        let mut serial_codes = vec![0; values.len()];
        encode_serial(&mut HashDict::new(), &values, &mut serial_codes, 0, &key);
        let mut parallel_codes = vec![0; values.len()];
        let mut parallel = HashDict::new();
        intern_parallel(
            &mut parallel,
            &values,
            0,
            &key,
            &HashDict::new,
            Some(&mut parallel_codes),
        );
        assert_eq!(parallel_codes, serial_codes);
        assert_eq!(parallel.uniques(), serial.uniques());
    }
}
