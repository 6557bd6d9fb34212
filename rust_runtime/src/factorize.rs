//! Factorize: map values to dense integer codes in order of first appearance,
//! exactly as `pandas.factorize(values, sort=False, use_na_sentinel=True)`.

use std::hash::Hash;

pub use crate::dict::MISSING;
use rayon::prelude::*;

use crate::dict::{direct_span, intern_all, Dict, DirectDict, HashDict, MIN_PAR_LEN};

/// Result of factorizing `n` values.
#[derive(Debug, Clone, PartialEq)]
pub struct Factorized<K> {
    /// One code per value: the index of its key in `keys`, or [`MISSING`].
    pub codes: Vec<i64>,
    /// The distinct keys, in order of first appearance.
    pub keys: Vec<K>,
    /// For each key, the position of its first appearance in the input, so
    /// callers can return the original objects as uniques (pandas does).
    pub first: Vec<usize>,
}

/// Factorizes `values`, where `key` maps a value to its hash key, or `None`
/// when the value is missing. Keys that compare equal share a code; the first
/// appearance decides the order.
pub fn factorize_by<T, K, F>(values: &[T], key: F) -> Factorized<K>
where
    T: Sync,
    K: Hash + Eq + Copy + Send + Sync,
    F: Fn(&T) -> Option<K> + Sync,
{
    factorize_with(values, key, HashDict::new)
}

/// [`factorize_by`] with dictionaries made by `new_dict`.
fn factorize_with<T, K, F, D>(
    values: &[T],
    key: F,
    new_dict: impl Fn() -> D + Sync,
) -> Factorized<K>
where
    T: Sync,
    K: Copy,
    F: Fn(&T) -> Option<K> + Sync,
    D: Dict<K>,
{
    // Every slot is written; zeroed memory is the cheapest to allocate.
    let mut codes = vec![0; values.len()];
    let dict = intern_all(values, &key, new_dict, Some(&mut codes));
    let (keys, first) = dict.into_uniques().into_iter().unzip();
    Factorized { codes, keys, first }
}

pub fn factorize_i64(values: &[i64]) -> Factorized<i64> {
    match direct_span(values) {
        Some((base, span)) => factorize_with(values, |&v| Some(v), || DirectDict::new(base, span)),
        None => factorize_by(values, |&v| Some(v)),
    }
}

/// Hash key of a float: NaN is missing and -0.0 is the same key as 0.0, as in
/// pandas' float hashtable; the stored first position keeps the sign of the
/// first appearance.
#[inline]
pub fn float_key(v: f64) -> Option<u64> {
    if v.is_nan() {
        None
    } else if v == 0.0 {
        Some(0)
    } else {
        Some(v.to_bits())
    }
}

/// Keys are normalised bit patterns (see [`float_key`]); read uniques from
/// the input at `first` to get the original values.
pub fn factorize_f64(values: &[f64]) -> Factorized<u64> {
    factorize_by(values, |&v| float_key(v))
}

/// `None` is missing.
pub fn factorize_str<'a>(values: &[Option<&'a str>]) -> Factorized<&'a str> {
    factorize_by(values, |v| *v)
}

/// Combines two factorizations: `objects`, of the values into distinct
/// objects (any finer equivalence than the key, e.g. identity), and
/// `by_key`, of those distinct objects, in their order, by key. The result is
/// the factorization of the values by key: an object's first appearance
/// precedes all later objects', so keys keep their first-appearance order.
pub fn compose<P, K>(objects: &Factorized<P>, by_key: Factorized<K>) -> Factorized<K> {
    let codes = objects
        .codes
        .par_iter()
        .with_min_len(MIN_PAR_LEN)
        .map(|&o| {
            if o == MISSING {
                MISSING
            } else {
                by_key.codes[o as usize]
            }
        })
        .collect();
    Factorized {
        codes,
        first: by_key.first.iter().map(|&o| objects.first[o]).collect(),
        keys: by_key.keys,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::dict::SERIAL_PREFIX;

    /// Straightforward serial reference implementation.
    fn reference<T, K: Hash + Eq + Copy>(
        values: &[T],
        key: impl Fn(&T) -> Option<K>,
    ) -> (Vec<i64>, Vec<usize>) {
        let mut map = HashMap::new();
        let mut first = Vec::new();
        let codes = values
            .iter()
            .enumerate()
            .map(|(i, v)| match key(v) {
                None => MISSING,
                Some(k) => *map.entry(k).or_insert_with(|| {
                    first.push(i);
                    first.len() as i64 - 1
                }),
            })
            .collect();
        (codes, first)
    }

    /// Deterministic pseudo-random numbers (no extra dev-dependency).
    fn lcg(seed: u64, n: usize, modulo: u64) -> Vec<i64> {
        let mut x = seed;
        (0..n)
            .map(|_| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((x >> 33) % modulo) as i64
            })
            .collect()
    }

    #[test]
    fn ints_first_appearance_order() {
        let f = factorize_i64(&[5, 3, 5, -1, 3, 7]);
        assert_eq!(f.codes, vec![0, 1, 0, 2, 1, 3]);
        assert_eq!(f.keys, vec![5, 3, -1, 7]);
        assert_eq!(f.first, vec![0, 1, 3, 5]);
    }

    #[test]
    fn empty_inputs() {
        let f = factorize_i64(&[]);
        assert!(f.codes.is_empty() && f.keys.is_empty() && f.first.is_empty());
        assert!(factorize_f64(&[]).keys.is_empty());
        assert!(factorize_str(&[]).keys.is_empty());
    }

    #[test]
    fn floats_nan_and_signed_zero() {
        let v = [f64::NAN, -0.0, 1.5, 0.0, f64::NAN, 1.5, -f64::NAN];
        let f = factorize_f64(&v);
        assert_eq!(f.codes, vec![-1, 0, 1, 0, -1, 1, -1]);
        assert_eq!(f.first, vec![1, 2]);
        // The unique keeps the sign of its first appearance, like pandas.
        assert!(v[f.first[0]].is_sign_negative());
    }

    #[test]
    fn floats_all_missing() {
        let f = factorize_f64(&[f64::NAN; 5]);
        assert_eq!(f.codes, vec![-1; 5]);
        assert!(f.keys.is_empty());
    }

    #[test]
    fn floats_infinities() {
        let f = factorize_f64(&[f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY]);
        assert_eq!(f.codes, vec![0, 1, 0]);
    }

    #[test]
    fn strings_missing_duplicates_unicode() {
        let v = [
            Some("é"),
            None,
            Some("a"),
            Some("é"),
            None,
            Some(""),
            Some("日本"),
            Some("a"),
        ];
        let f = factorize_str(&v);
        assert_eq!(f.codes, vec![0, -1, 1, 0, -1, 2, 3, 1]);
        assert_eq!(f.keys, vec!["é", "a", "", "日本"]);
        assert_eq!(f.first, vec![0, 2, 5, 6]);
    }

    #[test]
    fn strings_all_missing() {
        let f = factorize_str(&[None, None]);
        assert_eq!(f.codes, vec![-1, -1]);
        assert!(f.keys.is_empty());
    }

    #[test]
    fn parallel_path_matches_reference() {
        // Low cardinality and long enough to take the chunked parallel path.
        for modulo in [1, 7, 1000, 5000] {
            let v = lcg(modulo, 5 * SERIAL_PREFIX + 123, modulo);
            let f = factorize_i64(&v);
            let (codes, first) = reference(&v, |&x| Some(x));
            assert_eq!(f.codes, codes);
            assert_eq!(f.first, first);
            assert_eq!(f.keys, first.iter().map(|&i| v[i]).collect::<Vec<_>>());
        }
    }

    #[test]
    fn keys_first_seen_late_keep_order() {
        // Keys that first appear only in later chunks must be numbered after
        // all keys of earlier chunks.
        let mut v = lcg(1, 4 * SERIAL_PREFIX, 10);
        v.extend((0..100).rev().map(|x| 1000 + x));
        v.extend(lcg(2, SERIAL_PREFIX, 20));
        let f = factorize_i64(&v);
        let (codes, first) = reference(&v, |&x| Some(x));
        assert_eq!(f.codes, codes);
        assert_eq!(f.first, first);
    }

    #[test]
    fn high_cardinality_matches_reference() {
        let v = lcg(3, 3 * SERIAL_PREFIX, 1 << 40);
        let f = factorize_i64(&v);
        let (codes, first) = reference(&v, |&x| Some(x));
        assert_eq!(f.codes, codes);
        assert_eq!(f.first, first);
    }

    #[test]
    fn hashed_ints_parallel_path_matches_reference() {
        // Spread out so that the values are hashed, not table-indexed.
        let v: Vec<i64> = lcg(6, 5 * SERIAL_PREFIX, 1000)
            .into_iter()
            .map(|x| x * 1_000_000_007)
            .collect();
        assert!(direct_span(&v).is_none());
        let f = factorize_i64(&v);
        let (codes, first) = reference(&v, |&x| Some(x));
        assert_eq!(f.codes, codes);
        assert_eq!(f.first, first);
    }

    #[test]
    fn extreme_ints() {
        let wide = [i64::MAX, i64::MIN, 0, i64::MAX];
        assert!(direct_span(&wide).is_none());
        assert_eq!(factorize_i64(&wide).codes, vec![0, 1, 2, 0]);
        let low = [i64::MIN + 1, i64::MIN, i64::MIN + 1];
        assert_eq!(direct_span(&low), Some((i64::MIN, 2)));
        let f = factorize_i64(&low);
        assert_eq!(f.codes, vec![0, 1, 0]);
        assert_eq!(f.keys, vec![i64::MIN + 1, i64::MIN]);
    }

    #[test]
    fn compose_by_identity_then_key() {
        // Values are object ids; ids 10 and 30 hold the same key "x".
        let ids = [10, 20, 30, 10, 40, 30];
        let key_of = |id: &usize| match id {
            10 | 30 => Some("x"),
            20 => None,
            _ => Some("y"),
        };
        let objects = factorize_by(&ids, |&id| Some(id));
        let object_keys: Vec<Option<&str>> =
            objects.first.iter().map(|&i| key_of(&ids[i])).collect();
        let f = compose(&objects, factorize_str(&object_keys));
        assert_eq!(f, factorize_by(&ids, key_of));
        assert_eq!(f.codes, vec![0, -1, 0, 0, 1, 0]);
        assert_eq!(f.first, vec![0, 4]);
    }

    #[test]
    fn parallel_floats_with_nan_match_reference() {
        let v: Vec<f64> = lcg(4, 3 * SERIAL_PREFIX, 500)
            .into_iter()
            .map(|x| match x % 50 {
                0 => f64::NAN,
                1 => -0.0,
                _ => x as f64 / 4.0,
            })
            .collect();
        let f = factorize_f64(&v);
        let (codes, first) = reference(&v, |&x| float_key(x));
        assert_eq!(f.codes, codes);
        assert_eq!(f.first, first);
    }

    #[test]
    fn parallel_strings_match_reference() {
        let owned: Vec<String> = lcg(5, 3 * SERIAL_PREFIX, 300)
            .iter()
            .map(|x| format!("k{x}ü"))
            .collect();
        let v: Vec<Option<&str>> = owned
            .iter()
            .enumerate()
            .map(|(i, s)| if i % 11 == 0 { None } else { Some(s.as_str()) })
            .collect();
        let f = factorize_str(&v);
        let (codes, first) = reference(&v, |x| *x);
        assert_eq!(f.codes, codes);
        assert_eq!(f.first, first);
    }
}
