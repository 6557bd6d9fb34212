//! Hash join: the row-index pairs of `pd.merge(left, right, how=..., sort=False)`
//! for `how` inner and left, in pandas' order: left rows in order, each
//! followed by its matching right rows in right order (left join: a left row
//! without a match appears once, paired with `-1`).
//!
//! Keys are first coded ([`key_codes`]): the smaller side's keys are
//! factorized, a missing key (NaN, None) being one more key that matches
//! missing keys on the other side, as pandas matches them; each key of the
//! other side is looked up in that dictionary, in parallel (`-1`: the key is
//! not on the factorized side, so it never matches). The join
//! ([`join_indexers`]) then groups the right rows by code with a stable
//! counting sort and writes each left row's matches, in parallel over blocks
//! of left rows.

use std::collections::HashMap;
use std::hash::Hash;

use ahash::RandomState;
use rayon::prelude::*;

use crate::dict::{MIN_PAR_LEN, MISSING};
use crate::factorize::Factorized;

/// Dense codes of both sides' keys, each in `-1..n` (`-1` matches nothing).
#[derive(Debug, Clone, PartialEq)]
pub struct KeyCodes {
    pub left: Vec<i64>,
    pub right: Vec<i64>,
    pub n: usize,
}

/// Codes of the factorized side (missing values get code `n_keys` when there
/// are any), the other side's codes looked up in its dictionary, and `n`.
fn code_pair<T, K, F>(side: Factorized<K>, other: &[T], key: &F) -> (Vec<i64>, Vec<i64>, usize)
where
    T: Sync,
    K: Hash + Eq + Copy + Send + Sync,
    F: Fn(&T) -> Option<K> + Sync,
{
    let n_keys = side.keys.len();
    let mut codes = side.codes;
    let has_missing = par(&codes).any(|&c| c == MISSING);
    let missing = if has_missing { n_keys as i64 } else { MISSING };
    if has_missing {
        codes
            .par_iter_mut()
            .with_min_len(MIN_PAR_LEN)
            .filter(|c| **c == MISSING)
            .for_each(|c| *c = missing);
    }
    let map: HashMap<K, i64, RandomState> = side
        .keys
        .iter()
        .enumerate()
        .map(|(code, &k)| (k, code as i64))
        .collect();
    let looked_up = other
        .par_iter()
        .with_min_len(MIN_PAR_LEN)
        .map(|v| match key(v) {
            None => missing,
            Some(k) => map.get(&k).copied().unwrap_or(MISSING),
        })
        .collect();
    (codes, looked_up, n_keys + usize::from(has_missing))
}

/// [`KeyCodes`] of `left` and `right`: `factorize` factorizes a side by
/// `key`, which maps a value to its hash key (`None`: missing).
pub fn key_codes<T, K, F>(
    left: &[T],
    right: &[T],
    factorize: impl Fn(&[T]) -> Factorized<K>,
    key: F,
) -> KeyCodes
where
    T: Sync,
    K: Hash + Eq + Copy + Send + Sync,
    F: Fn(&T) -> Option<K> + Sync,
{
    if right.len() <= left.len() {
        let (right, left, n) = code_pair(factorize(right), left, &key);
        KeyCodes { left, right, n }
    } else {
        let (left, right, n) = code_pair(factorize(left), right, &key);
        KeyCodes { left, right, n }
    }
}

fn par(codes: &[i64]) -> rayon::iter::MinLen<rayon::slice::Iter<'_, i64>> {
    codes.par_iter().with_min_len(MIN_PAR_LEN)
}

/// Left rows per parallel task when writing the pairs.
const BLOCK: usize = 1 << 14;

/// Writes the pairs of blocks of `BLOCK` left rows in parallel: block `b`
/// writes `sizes[b]` pairs with `write(b, left out, right out)`.
fn fill_blocks<W>(sizes: &[usize], write: W) -> (Vec<i64>, Vec<i64>)
where
    W: Fn(usize, &mut [i64], &mut [i64]) + Sync,
{
    let total: usize = sizes.iter().sum();
    let mut lidx = vec![0i64; total];
    let mut ridx = vec![0i64; total];
    let mut parts = Vec::with_capacity(sizes.len());
    let (mut lrest, mut rrest) = (lidx.as_mut_slice(), ridx.as_mut_slice());
    for &size in sizes {
        let (l, lt) = lrest.split_at_mut(size);
        let (r, rt) = rrest.split_at_mut(size);
        parts.push((l, r));
        lrest = lt;
        rrest = rt;
    }
    parts
        .into_par_iter()
        .enumerate()
        .for_each(|(b, (lout, rout))| write(b, lout, rout));
    (lidx, ridx)
}

/// The indexers of a join; `left` is `None` when it is `0..n_left` (a left
/// join where every left row has at most one match).
#[derive(Debug, Clone, PartialEq)]
pub struct Indexers {
    pub left: Option<Vec<i64>>,
    pub right: Vec<i64>,
}

/// `(left indexer, right indexer)` of the join of codes `left` and `right`
/// (each in `-1..n`, `-1` matching nothing); with `keep_left` (a left join)
/// unmatched left rows get right index `-1`.
pub fn join_indexers(
    left: &[i64],
    right: &[i64],
    n: usize,
    keep_left: bool,
) -> Result<(Vec<i64>, Vec<i64>), String> {
    let j = join(left, right, n, keep_left)?;
    let lidx = j.left.unwrap_or_else(|| (0..left.len() as i64).collect());
    Ok((lidx, j.right))
}

/// [`join_indexers`], leaving out an identity left indexer.
pub fn join(left: &[i64], right: &[i64], n: usize, keep_left: bool) -> Result<Indexers, String> {
    // Dense codes never outnumber the rows; a larger `n` is a caller's bug
    // and would size the tables below by it.
    if n > left.len().max(right.len()) + 1 {
        return Err(format!(
            "{n} join codes for {} and {} rows",
            left.len(),
            right.len()
        ));
    }
    let bad = |&c: &i64| c < MISSING || (c >= 0 && c as u64 >= n as u64);
    if par(left).any(bad) || par(right).any(bad) {
        return Err(format!("join codes must lie in -1..{n}"));
    }
    // The common lookup-table case: no key repeats on the right, so each
    // left row has at most one match, found by one probe.
    let mut only = vec![MISSING; n];
    let mut unique = true;
    for (j, &c) in right.iter().enumerate() {
        if c >= 0 {
            let slot = &mut only[c as usize];
            if *slot != MISSING {
                unique = false;
                break;
            }
            *slot = j as i64;
        }
    }
    if unique {
        let probe = |c: i64| if c < 0 { MISSING } else { only[c as usize] };
        if keep_left {
            let right = par(left).map(|&c| probe(c)).collect();
            return Ok(Indexers { left: None, right });
        }
        // Inner: each block counts its matched rows, then writes them.
        let sizes: Vec<usize> = left
            .par_chunks(BLOCK)
            .map(|b| b.iter().filter(|&&c| probe(c) >= 0).count())
            .collect();
        let (lidx, ridx) = fill_blocks(&sizes, |b, lout, rout| {
            let mut o = 0;
            for (i, &c) in left[b * BLOCK..].iter().take(BLOCK).enumerate() {
                let j = probe(c);
                if j >= 0 {
                    lout[o] = (b * BLOCK + i) as i64;
                    rout[o] = j;
                    o += 1;
                }
            }
        });
        return Ok(Indexers {
            left: Some(lidx),
            right: ridx,
        });
    }
    drop(only);
    // Right rows grouped by code, in row order within each group.
    let mut starts = vec![0usize; n + 1];
    for &c in right {
        if c >= 0 {
            starts[c as usize + 1] += 1;
        }
    }
    for k in 0..n {
        starts[k + 1] += starts[k];
    }
    let mut next = starts[..n].to_vec();
    let mut rows = vec![0i64; starts[n]];
    for (j, &c) in right.iter().enumerate() {
        if c >= 0 {
            let slot = &mut next[c as usize];
            rows[*slot] = j as i64;
            *slot += 1;
        }
    }
    let matches = |c: i64| {
        if c < 0 {
            &rows[..0]
        } else {
            &rows[starts[c as usize]..starts[c as usize + 1]]
        }
    };
    let width = |c: i64| {
        let m = matches(c).len();
        if m == 0 && keep_left {
            1
        } else {
            m
        }
    };
    // Where each block of left rows starts writing.
    let block_sizes: Vec<usize> = left
        .par_chunks(BLOCK)
        .map(|b| b.iter().map(|&c| width(c)).sum())
        .collect();
    let (lidx, ridx) = fill_blocks(&block_sizes, |b, lout, rout| {
        let mut o = 0;
        for (i, &c) in left[b * BLOCK..].iter().take(BLOCK).enumerate() {
            let i = (b * BLOCK + i) as i64;
            let matches = matches(c);
            if matches.is_empty() {
                if keep_left {
                    lout[o] = i;
                    rout[o] = MISSING;
                    o += 1;
                }
                continue;
            }
            for &j in matches {
                lout[o] = i;
                rout[o] = j;
                o += 1;
            }
        }
    });
    Ok(Indexers {
        left: Some(lidx),
        right: ridx,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::factorize::{factorize_f64, factorize_i64, factorize_str, float_key};

    /// The join written as the nested loop it means.
    fn nested_loop<K: PartialEq>(left: &[K], right: &[K], keep_left: bool) -> (Vec<i64>, Vec<i64>) {
        let (mut l, mut r) = (vec![], vec![]);
        for (i, a) in left.iter().enumerate() {
            let mut matched = false;
            for (j, b) in right.iter().enumerate() {
                if a == b {
                    l.push(i as i64);
                    r.push(j as i64);
                    matched = true;
                }
            }
            if keep_left && !matched {
                l.push(i as i64);
                r.push(-1);
            }
        }
        (l, r)
    }

    fn join_i64(left: &[i64], right: &[i64], keep_left: bool) -> (Vec<i64>, Vec<i64>) {
        let codes = key_codes(left, right, factorize_i64, |&v| Some(v));
        join_indexers(&codes.left, &codes.right, codes.n, keep_left).unwrap()
    }

    #[test]
    fn int_joins_match_nested_loop() {
        let left = [3, 1, 3, 7, 1, 9];
        let right = [1, 3, 3, 8, 1, 1];
        for keep_left in [false, true] {
            assert_eq!(
                join_i64(&left, &right, keep_left),
                nested_loop(&left, &right, keep_left)
            );
        }
    }

    #[test]
    fn missing_keys_match_each_other_and_zeros_are_one_key() {
        let left = [f64::NAN, 0.0, 2.0, f64::NAN];
        let right = [-0.0, f64::NAN, 5.0, f64::NAN];
        let keys = |v: &[f64]| v.iter().map(|&x| float_key(x)).collect::<Vec<_>>();
        for (l, r) in [
            (&left[..], &right[..]),
            (&left[..3], &right[..]),
            (&left[..], &right[..2]),
        ] {
            let codes = key_codes(l, r, factorize_f64, |&v| float_key(v));
            let got = join_indexers(&codes.left, &codes.right, codes.n, true).unwrap();
            assert_eq!(got, nested_loop(&keys(l), &keys(r), true));
        }
        // A missing key without a missing key on the other side matches nothing;
        // the smaller side is the one factorized.
        let codes = key_codes(&[1.0, 2.0, 3.0], &[f64::NAN, 1.0], factorize_f64, |&v| {
            float_key(v)
        });
        assert_eq!(
            (codes.left, codes.right, codes.n),
            (vec![0, -1, -1], vec![1, 0], 2)
        );
        let codes = key_codes(&[f64::NAN, 1.0], &[1.0], factorize_f64, |&v| float_key(v));
        assert_eq!(
            (codes.left, codes.right, codes.n),
            (vec![-1, 0], vec![0], 1)
        );
    }

    #[test]
    fn str_joins_match_nested_loop() {
        let left = [Some("a"), None, Some("é"), Some("a")];
        let right = [Some("é"), Some("a"), None, Some("b"), Some("a")];
        for (l, r) in [(&left[..], &right[..]), (&right[..], &left[..])] {
            let codes = key_codes(l, r, |v| factorize_str(v), |v| *v);
            for keep_left in [false, true] {
                let got = join_indexers(&codes.left, &codes.right, codes.n, keep_left).unwrap();
                assert_eq!(got, nested_loop(l, r, keep_left));
            }
        }
    }

    #[test]
    fn large_joins_cross_blocks_in_order() {
        let left: Vec<i64> = (0..100_000).map(|i| (i * 7919) % 5003).collect();
        let right: Vec<i64> = (0..20_000).map(|i| (i * 31) % 6007).collect();
        let got = join_i64(&left, &right, true);
        // Left rows ascend, and each row's matches ascend.
        assert!(got.0.windows(2).all(|w| w[0] <= w[1]));
        for w in got.0.windows(2).zip(got.1.windows(2)) {
            if w.0[0] == w.0[1] {
                assert!(w.1[0] < w.1[1]);
            }
        }
        let small = nested_loop(&left[..3000], &right, true);
        let cut = got.0.iter().position(|&i| i >= 3000).unwrap();
        assert_eq!((got.0[..cut].to_vec(), got.1[..cut].to_vec()), small);
    }

    #[test]
    fn unique_right_keys_take_the_lookup_path() {
        let left: Vec<i64> = (0..50_000).map(|i| (i * 7919) % 3001 - 500).collect();
        let right: Vec<i64> = (0..2000).map(|i| (i * 13) % 2000).collect();
        for keep_left in [false, true] {
            assert_eq!(
                join_i64(&left, &right, keep_left),
                nested_loop(&left, &right, keep_left)
            );
        }
        let codes = key_codes(&left, &right, factorize_i64, |&v| Some(v));
        let j = join(&codes.left, &codes.right, codes.n, true).unwrap();
        assert_eq!(j.left, None);
        assert_eq!(j.right.len(), left.len());
    }

    #[test]
    fn empty_sides_and_bad_codes() {
        assert_eq!(join_i64(&[], &[1, 2], true), (vec![], vec![]));
        assert_eq!(join_i64(&[1, 2], &[], true), (vec![0, 1], vec![-1, -1]));
        assert_eq!(join_i64(&[1, 2], &[], false), (vec![], vec![]));
        assert!(join_indexers(&[2], &[0], 2, false).is_err());
        assert!(join_indexers(&[0], &[-2], 2, false).is_err());
        assert!(join_indexers(&[-2], &[0], 2, false).is_err());
        assert!(join_indexers(&[0], &[0], 1 << 60, false).is_err());
        assert_eq!(
            join_indexers(&[-1, 0], &[0], 1, true).unwrap(),
            (vec![0, 1], vec![-1, 0])
        );
    }
}
