//! Category codes: the `.cat.codes` and `.cat.categories` of
//! `pd.Series(values).astype("category")`, i.e. codes into the sorted
//! distinct values, in the narrowest integer type pandas picks.

use std::cmp::Ordering;
use std::hash::Hash;

use rayon::prelude::*;

use crate::dict::{direct_span, intern_all, Dict, DirectDict, MIN_PAR_LEN};
use crate::factorize::{factorize_by, float_key, Factorized, MISSING};

/// Codes stored in the integer width pandas' `coerce_indexer_dtype` chooses
/// from the number of categories.
#[derive(Debug, Clone, PartialEq)]
pub enum Codes {
    I8(Vec<i8>),
    I16(Vec<i16>),
    I32(Vec<i32>),
    I64(Vec<i64>),
}

/// Result of categorizing `n` values.
#[derive(Debug, Clone, PartialEq)]
pub struct Categorized<K> {
    /// One code per value: the index of its key in `keys`, or -1 when missing.
    pub codes: Codes,
    /// The distinct keys, sorted.
    pub keys: Vec<K>,
    /// For each key, the position of its first appearance in the input.
    pub first: Vec<usize>,
}

/// Integer types a code can be stored in.
trait Code: Copy + Send + Sync {
    /// `v` is known to fit: the width is chosen from the number of categories.
    fn narrow(v: i64) -> Self;
}

macro_rules! impl_code {
    ($($t:ty),*) => {$(
        impl Code for $t {
            #[inline]
            fn narrow(v: i64) -> Self {
                v as $t
            }
        }
    )*};
}
impl_code!(i8, i16, i32, i64);

/// `code_of(i)` for `i` in `0..len`, in parallel, in the width pandas picks
/// for `n_categories`: `len(categories) < np.iinfo(np.int8).max` -> int8, and
/// so on.
fn narrow_codes(n_categories: usize, len: usize, code_of: impl Fn(usize) -> i64 + Sync) -> Codes {
    fn collect<C: Code>(len: usize, code_of: &(impl Fn(usize) -> i64 + Sync)) -> Vec<C> {
        (0..len)
            .into_par_iter()
            .with_min_len(MIN_PAR_LEN)
            .map(|i| C::narrow(code_of(i)))
            .collect()
    }
    if n_categories < i8::MAX as usize {
        Codes::I8(collect(len, &code_of))
    } else if n_categories < i16::MAX as usize {
        Codes::I16(collect(len, &code_of))
    } else if n_categories < i32::MAX as usize {
        Codes::I32(collect(len, &code_of))
    } else {
        Codes::I64(collect(len, &code_of))
    }
}

/// The indices of `n` distinct keys in sorted order, and each key's rank.
fn sort_ranks(n: usize, cmp: impl Fn(usize, usize) -> Ordering + Sync) -> (Vec<usize>, Vec<i64>) {
    let mut order: Vec<usize> = (0..n).collect();
    // Keys are distinct, so an unstable sort is deterministic.
    order.par_sort_unstable_by(|&a, &b| cmp(a, b));
    let mut rank = vec![0i64; n];
    for (r, &c) in order.iter().enumerate() {
        rank[c] = r as i64;
    }
    (order, rank)
}

/// Sorts the distinct keys of a factorization with `cmp` and renumbers its
/// codes by sorted position.
pub fn categorize<K, C>(f: Factorized<K>, cmp: C) -> Categorized<K>
where
    K: Copy + Sync,
    C: Fn(&K, &K) -> Ordering + Sync,
{
    let (order, rank) = sort_ranks(f.keys.len(), |a, b| cmp(&f.keys[a], &f.keys[b]));
    let codes = narrow_codes(f.keys.len(), f.codes.len(), |i| match f.codes[i] {
        MISSING => MISSING,
        c => rank[c as usize],
    });
    Categorized {
        codes,
        keys: order.iter().map(|&c| f.keys[c]).collect(),
        first: order.iter().map(|&c| f.first[c]).collect(),
    }
}

/// Renumbers a factorization by the sorted order of its keys, keeping full
/// int64 codes (the layout groupby and one-hot encoding index with): keys
/// and first positions come back sorted, codes point into them.
pub fn sort_factorized<K, C>(f: Factorized<K>, cmp: C) -> Factorized<K>
where
    K: Copy + Sync,
    C: Fn(&K, &K) -> Ordering + Sync,
{
    let (order, rank) = sort_ranks(f.keys.len(), |a, b| cmp(&f.keys[a], &f.keys[b]));
    let keys = order.iter().map(|&c| f.keys[c]).collect();
    let first = order.iter().map(|&c| f.first[c]).collect();
    let mut codes = f.codes;
    codes
        .par_iter_mut()
        .with_min_len(MIN_PAR_LEN)
        .filter(|c| **c != MISSING)
        .for_each(|c| *c = rank[*c as usize]);
    Factorized { codes, keys, first }
}

/// Categorizes `values` (`key` gives `None` for missing ones) in two passes
/// without an intermediate code buffer: collect the distinct keys into a
/// dictionary made by `new_dict`, sort them with `cmp`, then give every value
/// its key's rank, in parallel and straight into the narrow code type. This
/// pays when looking a key up again is cheap (table-indexed integers).
fn categorize_with<T, K, F, D, C>(
    values: &[T],
    key: F,
    new_dict: impl Fn() -> D + Sync,
    cmp: C,
) -> Categorized<K>
where
    T: Sync,
    K: Copy + Sync,
    F: Fn(&T) -> Option<K> + Sync,
    D: Dict<K>,
    C: Fn(&K, &K) -> Ordering + Sync,
{
    let dict = intern_all(values, &key, new_dict, None);
    let uniques = dict.uniques();
    let (order, rank) = sort_ranks(uniques.len(), |a, b| cmp(&uniques[a].0, &uniques[b].0));
    let codes = narrow_codes(uniques.len(), values.len(), |i| {
        key(&values[i])
            .and_then(|k| dict.code(k))
            .map_or(MISSING, |c| rank[c as usize])
    });
    Categorized {
        codes,
        keys: order.iter().map(|&c| uniques[c].0).collect(),
        first: order.iter().map(|&c| uniques[c].1).collect(),
    }
}

/// Categorizes `values`, where `key` maps a value to its hash key, or `None`
/// when the value is missing; `cmp` orders the keys. Hashing a key twice
/// costs more than recoding a factorization, so this factorizes first.
pub fn category_codes_by<T, K, F, C>(values: &[T], key: F, cmp: C) -> Categorized<K>
where
    T: Sync,
    K: Hash + Eq + Copy + Send + Sync,
    F: Fn(&T) -> Option<K> + Sync,
    C: Fn(&K, &K) -> Ordering + Sync,
{
    categorize(factorize_by(values, key), cmp)
}

pub fn category_codes_i64(values: &[i64]) -> Categorized<i64> {
    match direct_span(values) {
        Some((base, span)) => categorize_with(
            values,
            |&v| Some(v),
            || DirectDict::new(base, span),
            Ord::cmp,
        ),
        None => category_codes_by(values, |&v| Some(v), Ord::cmp),
    }
}

/// Keys are normalised bit patterns (see [`float_key`]); read categories from
/// the input at `first` to get the original values.
pub fn category_codes_f64(values: &[f64]) -> Categorized<u64> {
    // Keys are never NaN, and both zeros share key 0, so this is numeric order.
    category_codes_by(
        values,
        |&v| float_key(v),
        |a, b| f64::from_bits(*a).total_cmp(&f64::from_bits(*b)),
    )
}

/// `None` is missing. Rust's `str` order is byte order of UTF-8, which is
/// code point order: the order of Python's `str` comparison.
pub fn category_codes_str<'a>(values: &[Option<&'a str>]) -> Categorized<&'a str> {
    category_codes_by(values, |v| *v, Ord::cmp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_factorized_renumbers_by_key_order() {
        let f = crate::factorize::factorize_i64(&[30, -2, 30, 7]);
        let s = sort_factorized(f, Ord::cmp);
        assert_eq!(s.codes, vec![2, 0, 2, 1]);
        assert_eq!(s.keys, vec![-2, 7, 30]);
        assert_eq!(s.first, vec![1, 3, 0]);
        let f = crate::factorize::factorize_f64(&[f64::NAN, 1.0]);
        assert_eq!(sort_factorized(f, Ord::cmp).codes, vec![-1, 0]);
    }

    #[test]
    fn ints_sorted_with_int8_codes() {
        let c = category_codes_i64(&[30, -2, 30, 7]);
        assert_eq!(c.codes, Codes::I8(vec![2, 0, 2, 1]));
        assert_eq!(c.keys, vec![-2, 7, 30]);
        assert_eq!(c.first, vec![1, 3, 0]);
    }

    #[test]
    fn empty_input() {
        let c = category_codes_i64(&[]);
        assert_eq!(c.codes, Codes::I8(vec![]));
        assert!(c.keys.is_empty());
    }

    #[test]
    fn code_width_follows_pandas_thresholds() {
        let width = |n: i64| match category_codes_i64(&(0..n).collect::<Vec<_>>()).codes {
            Codes::I8(_) => 8,
            Codes::I16(_) => 16,
            Codes::I32(_) => 32,
            Codes::I64(_) => 64,
        };
        assert_eq!(width(126), 8);
        assert_eq!(width(127), 16);
        assert_eq!(width(32766), 16);
        assert_eq!(width(32767), 32);
    }

    #[test]
    fn codes_stay_exact_near_width_limit() {
        let v: Vec<i64> = (0..32766).rev().collect();
        let Codes::I16(codes) = category_codes_i64(&v).codes else {
            panic!("expected int16 codes")
        };
        assert_eq!(codes[0], 32765);
        assert_eq!(codes[32765], 0);
    }

    #[test]
    fn floats_nan_missing_and_signed_zero() {
        let v = [2.5, f64::NAN, -0.0, -1.0, 0.0, f64::NEG_INFINITY];
        let c = category_codes_f64(&v);
        assert_eq!(c.codes, Codes::I8(vec![3, -1, 2, 1, 2, 0]));
        let cats: Vec<f64> = c.first.iter().map(|&i| v[i]).collect();
        assert_eq!(cats, vec![f64::NEG_INFINITY, -1.0, 0.0, 2.5]);
        assert!(cats[2].is_sign_negative());
    }

    #[test]
    fn floats_all_missing() {
        let c = category_codes_f64(&[f64::NAN, f64::NAN]);
        assert_eq!(c.codes, Codes::I8(vec![-1, -1]));
        assert!(c.keys.is_empty());
    }

    #[test]
    fn strings_sorted_by_code_point() {
        let v = [
            Some("b"),
            None,
            Some("B"),
            Some("é"),
            Some("a"),
            Some("\u{1F600}"),
            Some("\u{FFFF}"),
            Some(""),
        ];
        let c = category_codes_str(&v);
        assert_eq!(
            c.keys,
            vec!["", "B", "a", "b", "é", "\u{FFFF}", "\u{1F600}"]
        );
        assert_eq!(c.codes, Codes::I8(vec![3, -1, 1, 4, 2, 6, 5, 0]));
    }

    #[test]
    fn table_and_hashed_paths_agree() {
        let v: Vec<i64> = (0..200_000i64).map(|i| (i * 7919) % 300 - 100).collect();
        assert!(direct_span(&v).is_some());
        assert_eq!(
            category_codes_i64(&v),
            category_codes_by(&v, |&x| Some(x), Ord::cmp)
        );
    }

    #[test]
    fn large_hashed_input_matches_sorted_reference() {
        let v: Vec<i64> = (0..300_000i64)
            .map(|i| ((i * 7919) % 1009 - 500) * 1_000_000_007)
            .collect();
        assert!(direct_span(&v).is_none());
        let c = category_codes_i64(&v);
        let mut sorted = v.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(c.keys, sorted);
        let Codes::I16(codes) = c.codes else {
            panic!("expected int16 codes")
        };
        for (x, code) in v.iter().zip(codes) {
            assert_eq!(sorted[code as usize], *x);
        }
    }

    #[test]
    fn large_input_matches_sorted_reference() {
        let v: Vec<i64> = (0..300_000i64).map(|i| (i * 7919) % 1009 - 500).collect();
        let c = category_codes_i64(&v);
        let mut sorted = v.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(c.keys, sorted);
        let Codes::I16(codes) = c.codes else {
            panic!("expected int16 codes")
        };
        for (x, code) in v.iter().zip(codes) {
            assert_eq!(sorted[code as usize], *x);
        }
    }
}
