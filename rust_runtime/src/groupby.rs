//! Grouped aggregations over group codes (`-1` = row in no group, as with
//! `dropna=True`), computed in exactly the order pandas' Cython kernels
//! (`pandas/_libs/groupby.pyx`) use, so that results are bitwise equal:
//!
//! * `sum` / `mean`: Kahan-compensated summation per group in row order
//!   (`group_sum` / `group_mean`), NaN skipped; a non-finite compensation is
//!   reset to 0 in `sum` and a NaN one in `mean`, as pandas does. Integer
//!   sums add in int64 and wrap on overflow, like pandas.
//! * `std`: Welford's update per group in row order (`group_var`), then
//!   `sqrt(M2 / (n - 1))`; NaN with fewer than 2 observations.
//! * `median`: the middle order statistic(s) of the group's non-NaN values,
//!   `(hi + lo) / 2` for an even count (`median_linear`).
//! * `min` / `max`: the first extreme in row order (strict comparisons), NaN
//!   for a group with no observation. (Between 0.0 and -0.0 pandas' pick
//!   varies with its code path, so the Python front declines such columns.)
//! * `count`: non-NaN values; `size`: rows.
//!
//! Integer values go to `mean`, `std` and `median` as float64, as pandas
//! casts them. The kernels are parallel over disjoint ranges of groups, so
//! every group is still folded serially in row order by one thread.

use rayon::prelude::*;

use crate::dict::MISSING;

/// The aggregations, by their pandas names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggFn {
    Sum,
    Mean,
    Count,
    Min,
    Max,
    Std,
    Median,
    Size,
}

impl AggFn {
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "sum" => AggFn::Sum,
            "mean" => AggFn::Mean,
            "count" => AggFn::Count,
            "min" => AggFn::Min,
            "max" => AggFn::Max,
            "std" => AggFn::Std,
            "median" => AggFn::Median,
            "size" => AggFn::Size,
            _ => return None,
        })
    }
}

/// One result per group.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    F64(Vec<f64>),
    I64(Vec<i64>),
}

/// An element type of a value column.
pub trait Value: Copy + Send + Sync + PartialOrd {
    fn is_na(self) -> bool;
    fn to_f64(self) -> f64;
}

impl Value for f64 {
    #[inline]
    fn is_na(self) -> bool {
        self.is_nan()
    }
    #[inline]
    fn to_f64(self) -> f64 {
        self
    }
}

impl Value for i64 {
    #[inline]
    fn is_na(self) -> bool {
        false
    }
    #[inline]
    fn to_f64(self) -> f64 {
        self as f64
    }
}

/// Below this many rows, splitting the groups between threads costs more
/// than it saves: every thread scans all codes, and a serial fold runs at
/// ~5 ns a row, so a loaded machine (threads waiting for a core) easily
/// loses more than the split gains.
const MIN_PAR_ROWS: usize = 1 << 21;

/// Every thread scans all codes, so the split costs `threads` scans; with
/// two threads that lost to one serial fold by 2x (141 ms vs 70 ms for a
/// 1e7-row sum, 1000 groups, benchmarks/kernels/bench_groupby.py's input).
const MIN_PAR_THREADS: usize = 4;

/// Checks that every code is `-1` or a group below `n_groups`, so that the
/// kernels can index per-group tables without bounds failures.
pub fn check_codes(codes: &[i64], n_groups: usize) -> Result<(), String> {
    let bad = codes
        .par_iter()
        .with_min_len(1 << 14)
        .any(|&c| c < MISSING || (c >= 0 && c as u64 >= n_groups as u64));
    if bad {
        Err(format!("group codes must lie in -1..{n_groups}"))
    } else {
        Ok(())
    }
}

/// Folds every row `i` with a group (`codes[i] >= 0`) into its group's state
/// with `fold(state, i)`, rows in order. With many rows the groups are split
/// into one contiguous range per thread; each thread scans all rows but folds
/// only its own groups, so each group still sees its rows in row order.
fn fold_rows<S, F>(codes: &[i64], n_groups: usize, init: S, fold: F) -> Vec<S>
where
    S: Clone + Send + Sync,
    F: Fn(&mut S, usize) + Sync,
{
    let threads = rayon::current_num_threads().min(n_groups);
    if threads < MIN_PAR_THREADS || codes.len() < MIN_PAR_ROWS {
        let mut states = vec![init; n_groups];
        for (i, &c) in codes.iter().enumerate() {
            if c >= 0 {
                fold(&mut states[c as usize], i);
            }
        }
        return states;
    }
    let per = n_groups.div_ceil(threads);
    let parts: Vec<Vec<S>> = (0..threads)
        .into_par_iter()
        .map(|t| {
            let lo = (t * per) as i64;
            let hi = ((t + 1) * per).min(n_groups) as i64;
            let mut states = vec![init.clone(); (hi - lo).max(0) as usize];
            for (i, &c) in codes.iter().enumerate() {
                if c >= lo && c < hi {
                    fold(&mut states[(c - lo) as usize], i);
                }
            }
            states
        })
        .collect();
    parts.into_iter().flatten().collect()
}

/// Kahan state: running sum, compensation, observations.
#[derive(Clone, Copy, Default)]
struct Kahan {
    sum: f64,
    comp: f64,
    nobs: i64,
}

impl Kahan {
    /// pandas' update; `reset` decides when the compensation goes back to 0
    /// (`group_sum`: not finite; `group_mean`: NaN).
    #[inline]
    fn add(&mut self, x: f64, reset: fn(f64) -> bool) {
        self.nobs += 1;
        let y = x - self.comp;
        let t = self.sum + y;
        let comp = t - self.sum - y;
        self.comp = if reset(comp) { 0.0 } else { comp };
        self.sum = t;
    }
}

fn kahan<V: Value>(
    codes: &[i64],
    n_groups: usize,
    values: &[V],
    reset: fn(f64) -> bool,
) -> Vec<Kahan> {
    fold_rows(codes, n_groups, Kahan::default(), |s, i| {
        let v = values[i];
        if !v.is_na() {
            s.add(v.to_f64(), reset);
        }
    })
}

fn sum_f64(codes: &[i64], n_groups: usize, values: &[f64]) -> Vec<f64> {
    kahan(codes, n_groups, values, |c| !c.is_finite())
        .into_iter()
        .map(|s| s.sum)
        .collect()
}

fn sum_i64(codes: &[i64], n_groups: usize, values: &[i64]) -> Vec<i64> {
    fold_rows(codes, n_groups, 0i64, |s, i| *s = s.wrapping_add(values[i]))
}

fn mean<V: Value>(codes: &[i64], n_groups: usize, values: &[V]) -> Vec<f64> {
    kahan(codes, n_groups, values, f64::is_nan)
        .into_iter()
        .map(|s| {
            if s.nobs == 0 {
                f64::NAN
            } else {
                s.sum / s.nobs as f64
            }
        })
        .collect()
}

fn count<V: Value>(codes: &[i64], n_groups: usize, values: &[V]) -> Vec<i64> {
    fold_rows(codes, n_groups, 0i64, |s, i| {
        *s += i64::from(!values[i].is_na())
    })
}

fn size(codes: &[i64], n_groups: usize) -> Vec<i64> {
    fold_rows(codes, n_groups, 0i64, |s, _| *s += 1)
}

/// First minimum (or maximum, with `max`) of each group's non-NaN values in
/// row order, or `None` for a group without one.
fn extreme<V: Value>(codes: &[i64], n_groups: usize, values: &[V], max: bool) -> Vec<Option<V>> {
    fold_rows(codes, n_groups, None, |s: &mut Option<V>, i| {
        let v = values[i];
        if v.is_na() {
            return;
        }
        let better = match *s {
            None => true,
            Some(cur) if max => v > cur,
            Some(cur) => v < cur,
        };
        if better {
            *s = Some(v);
        }
    })
}

/// Welford state: observations, mean, sum of squared deviations.
#[derive(Clone, Copy, Default)]
struct Welford {
    nobs: i64,
    mean: f64,
    m2: f64,
}

fn std<V: Value>(codes: &[i64], n_groups: usize, values: &[V]) -> Vec<f64> {
    let ddof = 1i64;
    fold_rows(codes, n_groups, Welford::default(), |s, i| {
        let v = values[i];
        if v.is_na() {
            return;
        }
        let x = v.to_f64();
        s.nobs += 1;
        let old = s.mean;
        s.mean += (x - old) / s.nobs as f64;
        s.m2 += (x - s.mean) * (x - old);
    })
    .into_iter()
    .map(|s| {
        if s.nobs <= ddof {
            f64::NAN
        } else {
            (s.m2 / (s.nobs as f64 - ddof as f64)).sqrt()
        }
    })
    .collect()
}

/// Median of a group's non-NaN values (reordered in place).
fn median_of(values: &mut [f64]) -> f64 {
    let n = values.len();
    if n == 0 {
        return f64::NAN;
    }
    let (lower, &mut hi, _) = values.select_nth_unstable_by(n / 2, f64::total_cmp);
    if n % 2 == 1 {
        return hi;
    }
    let lo = lower.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (hi + lo) / 2.0
}

fn median<V: Value>(codes: &[i64], n_groups: usize, values: &[V]) -> Vec<f64> {
    // Counting sort of the non-NaN values by group, then one selection per group.
    let counts = fold_rows(codes, n_groups, 0usize, |s, i| {
        *s += usize::from(!values[i].is_na())
    });
    let mut starts = Vec::with_capacity(n_groups + 1);
    let mut total = 0;
    starts.push(0);
    for c in &counts {
        total += c;
        starts.push(total);
    }
    let mut sorted = vec![0.0f64; total];
    let mut next = starts[..n_groups].to_vec();
    for (&c, &v) in codes.iter().zip(values) {
        if c >= 0 && !v.is_na() {
            let slot = &mut next[c as usize];
            sorted[*slot] = v.to_f64();
            *slot += 1;
        }
    }
    let mut groups = Vec::with_capacity(n_groups);
    let mut rest = sorted.as_mut_slice();
    for c in counts {
        let (group, tail) = rest.split_at_mut(c);
        groups.push(group);
        rest = tail;
    }
    groups.into_par_iter().map(median_of).collect()
}

fn float_extreme<V: Value>(codes: &[i64], n_groups: usize, values: &[V], max: bool) -> Vec<f64> {
    extreme(codes, n_groups, values, max)
        .into_iter()
        .map(|v| v.map_or(f64::NAN, Value::to_f64))
        .collect()
}

/// `fn` of each group of float64 `values`.
pub fn aggregate_f64(
    codes: &[i64],
    n_groups: usize,
    values: &[f64],
    f: AggFn,
) -> Result<Column, String> {
    check(codes, n_groups, values.len())?;
    Ok(match f {
        AggFn::Sum => Column::F64(sum_f64(codes, n_groups, values)),
        AggFn::Mean => Column::F64(mean(codes, n_groups, values)),
        AggFn::Count => Column::I64(count(codes, n_groups, values)),
        AggFn::Size => Column::I64(size(codes, n_groups)),
        AggFn::Min => Column::F64(float_extreme(codes, n_groups, values, false)),
        AggFn::Max => Column::F64(float_extreme(codes, n_groups, values, true)),
        AggFn::Std => Column::F64(std(codes, n_groups, values)),
        AggFn::Median => Column::F64(median(codes, n_groups, values)),
    })
}

/// `fn` of each group of int64 `values`.
pub fn aggregate_i64(
    codes: &[i64],
    n_groups: usize,
    values: &[i64],
    f: AggFn,
) -> Result<Column, String> {
    check(codes, n_groups, values.len())?;
    let int_extreme = |max| {
        // Every group has a row, and ints are never missing.
        extreme(codes, n_groups, values, max)
            .into_iter()
            .map(|v| v.unwrap_or_default())
            .collect()
    };
    Ok(match f {
        AggFn::Sum => Column::I64(sum_i64(codes, n_groups, values)),
        AggFn::Mean => Column::F64(mean(codes, n_groups, values)),
        AggFn::Count => Column::I64(count(codes, n_groups, values)),
        AggFn::Size => Column::I64(size(codes, n_groups)),
        AggFn::Min => Column::I64(int_extreme(false)),
        AggFn::Max => Column::I64(int_extreme(true)),
        AggFn::Std => Column::F64(std(codes, n_groups, values)),
        AggFn::Median => Column::F64(median(codes, n_groups, values)),
    })
}

fn check(codes: &[i64], n_groups: usize, n_values: usize) -> Result<(), String> {
    if codes.len() != n_values {
        return Err(format!("{} codes for {} values", codes.len(), n_values));
    }
    check_group_count(codes, n_groups)?;
    check_codes(codes, n_groups)
}

/// Group codes come from factorizing the rows, so there are at most as many
/// groups as rows; a larger count would size per-group tables (and could
/// abort on allocation) for groups that cannot exist.
pub fn check_group_count(codes: &[i64], n_groups: usize) -> Result<(), String> {
    if n_groups > codes.len() {
        return Err(format!("{n_groups} groups for {} rows", codes.len()));
    }
    Ok(())
}

/// Each row's group result (`transform`): rows in no group get NaN, and so an
/// integer result becomes float64 when there are such rows, as in pandas.
pub fn broadcast(codes: &[i64], per_group: &Column) -> Result<Column, String> {
    let n_groups = match per_group {
        Column::F64(v) => v.len(),
        Column::I64(v) => v.len(),
    };
    check_codes(codes, n_groups)?;
    let rows = codes.par_iter().with_min_len(1 << 14);
    Ok(match per_group {
        Column::F64(v) => Column::F64(
            rows.map(|&c| if c < 0 { f64::NAN } else { v[c as usize] })
                .collect(),
        ),
        Column::I64(v) if codes.contains(&MISSING) => Column::F64(
            rows.map(|&c| {
                if c < 0 {
                    f64::NAN
                } else {
                    v[c as usize] as f64
                }
            })
            .collect(),
        ),
        Column::I64(v) => Column::I64(rows.map(|&c| v[c as usize]).collect()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAN: f64 = f64::NAN;

    #[test]
    fn more_groups_than_rows_is_an_error_not_an_allocation() {
        let err = aggregate_f64(&[0, 1], usize::MAX, &[1.0, 2.0], AggFn::Sum).unwrap_err();
        assert!(err.contains("groups for 2 rows"), "{err}");
        assert!(crate::value_counts::count_codes(&[0], 1 << 40).is_err());
        assert!(aggregate_f64(&[0, 1], 2, &[1.0, 2.0], AggFn::Sum).is_ok());
    }

    fn f64s(c: Column) -> Vec<f64> {
        match c {
            Column::F64(v) => v,
            Column::I64(_) => panic!("expected float64"),
        }
    }

    fn i64s(c: Column) -> Vec<i64> {
        match c {
            Column::I64(v) => v,
            Column::F64(_) => panic!("expected int64"),
        }
    }

    fn same(a: &[f64], b: &[f64]) -> bool {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|(x, y)| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()))
    }

    /// pandas' `group_sum` for one group, written out plainly.
    fn kahan_reference(values: &[f64]) -> f64 {
        let (mut sum, mut comp) = (0.0f64, 0.0f64);
        for &v in values.iter().filter(|v| !v.is_nan()) {
            let y = v - comp;
            let t = sum + y;
            comp = t - sum - y;
            if !comp.is_finite() {
                comp = 0.0;
            }
            sum = t;
        }
        sum
    }

    #[test]
    fn float_aggregates_skip_nan() {
        let codes = [0, 1, -1, 0, 2, 1];
        let v = [1.0, NAN, 5.0, 4.0, NAN, 3.0];
        let agg = |f| f64s(aggregate_f64(&codes, 3, &v, f).unwrap());
        assert!(same(&agg(AggFn::Sum), &[5.0, 3.0, 0.0]));
        assert!(same(&agg(AggFn::Mean), &[2.5, 3.0, NAN]));
        assert!(same(&agg(AggFn::Min), &[1.0, 3.0, NAN]));
        assert!(same(&agg(AggFn::Max), &[4.0, 3.0, NAN]));
        assert!(same(&agg(AggFn::Median), &[2.5, 3.0, NAN]));
        assert!(same(&agg(AggFn::Std), &[4.5f64.sqrt(), NAN, NAN]));
        assert_eq!(
            i64s(aggregate_f64(&codes, 3, &v, AggFn::Count).unwrap()),
            vec![2, 1, 0]
        );
        assert_eq!(
            i64s(aggregate_f64(&codes, 3, &v, AggFn::Size).unwrap()),
            vec![2, 2, 1]
        );
    }

    #[test]
    fn kahan_sum_matches_reference_bitwise() {
        let v: Vec<f64> = (0..1000)
            .map(|i| 1.0 / (i as f64 + 1.0) * if i % 3 == 0 { -1e10 } else { 1.0 })
            .collect();
        let codes = vec![0i64; v.len()];
        let s = f64s(aggregate_f64(&codes, 1, &v, AggFn::Sum).unwrap());
        assert_eq!(s[0].to_bits(), kahan_reference(&v).to_bits());
        let inf = [1.0, f64::INFINITY, 2.0];
        assert_eq!(
            f64s(aggregate_f64(&[0; 3], 1, &inf, AggFn::Sum).unwrap()),
            vec![f64::INFINITY]
        );
    }

    #[test]
    fn int_aggregates_keep_int_dtype_and_wrap() {
        let codes = [1, 0, 1, 1];
        let v = [i64::MAX, 3, 1, -7];
        assert_eq!(
            i64s(aggregate_i64(&codes, 2, &v, AggFn::Sum).unwrap()),
            vec![3, i64::MAX.wrapping_add(1).wrapping_sub(7)]
        );
        assert_eq!(
            i64s(aggregate_i64(&codes, 2, &v, AggFn::Min).unwrap()),
            vec![3, -7]
        );
        assert_eq!(
            i64s(aggregate_i64(&codes, 2, &v, AggFn::Max).unwrap()),
            vec![3, i64::MAX]
        );
        assert!(same(
            &f64s(aggregate_i64(&codes, 2, &[1, 3, 2, 4], AggFn::Median).unwrap()),
            &[3.0, 2.0]
        ));
    }

    #[test]
    fn min_keeps_first_of_equal_zeros() {
        let m = f64s(aggregate_f64(&[0, 0], 1, &[-0.0, 0.0], AggFn::Min).unwrap());
        assert!(m[0].is_sign_negative());
        let m = f64s(aggregate_f64(&[0, 0], 1, &[0.0, -0.0], AggFn::Max).unwrap());
        assert!(m[0].is_sign_positive());
    }

    #[test]
    fn parallel_split_matches_serial() {
        let n = MIN_PAR_ROWS + 17;
        let codes: Vec<i64> = (0..n as i64)
            .map(|i| if i % 13 == 0 { -1 } else { (i * 7919) % 101 })
            .collect();
        let v: Vec<f64> = (0..n)
            .map(|i| {
                if i % 17 == 0 {
                    NAN
                } else {
                    (i as f64).sin() * 1e6
                }
            })
            .collect();
        for f in [
            AggFn::Sum,
            AggFn::Mean,
            AggFn::Std,
            AggFn::Min,
            AggFn::Median,
        ] {
            let par = rayon::ThreadPoolBuilder::new()
                .num_threads(MIN_PAR_THREADS)
                .build()
                .unwrap()
                .install(|| f64s(aggregate_f64(&codes, 101, &v, f).unwrap()));
            let serial = rayon::ThreadPoolBuilder::new()
                .num_threads(1)
                .build()
                .unwrap()
                .install(|| f64s(aggregate_f64(&codes, 101, &v, f).unwrap()));
            assert!(same(&par, &serial), "{f:?}");
        }
        let sums = f64s(aggregate_f64(&codes, 101, &v, AggFn::Sum).unwrap());
        let group: Vec<f64> = codes
            .iter()
            .zip(&v)
            .filter(|(c, _)| **c == 5)
            .map(|(_, x)| *x)
            .collect();
        assert_eq!(sums[5].to_bits(), kahan_reference(&group).to_bits());
    }

    #[test]
    fn bad_codes_are_errors() {
        assert!(aggregate_f64(&[0, 2], 2, &[1.0, 2.0], AggFn::Sum).is_err());
        assert!(aggregate_f64(&[0, -2], 2, &[1.0, 2.0], AggFn::Sum).is_err());
        assert!(aggregate_i64(&[0], 1, &[1, 2], AggFn::Sum).is_err());
        assert!(broadcast(&[3], &Column::I64(vec![1])).is_err());
    }

    #[test]
    fn broadcast_fills_missing_rows() {
        assert_eq!(
            broadcast(&[1, 0, 1], &Column::I64(vec![7, 8])).unwrap(),
            Column::I64(vec![8, 7, 8])
        );
        let c = f64s(broadcast(&[1, -1], &Column::I64(vec![7, 8])).unwrap());
        assert!(same(&c, &[8.0, NAN]));
    }

    #[test]
    fn empty_input() {
        assert_eq!(
            aggregate_f64(&[], 0, &[], AggFn::Mean).unwrap(),
            Column::F64(vec![])
        );
        assert_eq!(
            broadcast(&[], &Column::F64(vec![])).unwrap(),
            Column::F64(vec![])
        );
    }
}
