//! String kernels for pandas' `.str` methods: lower, upper, strip (both,
//! left, right), literal replace, len, and literal contains / startswith /
//! endswith.
//!
//! Semantics are Python's `str` methods, which pandas applies per element to
//! object columns, and which pyarrow's kernels (the default `str` dtype)
//! agree with wherever a kernel here answers:
//!
//! * Case mapping is only done for ASCII text, where Python, pyarrow
//!   (utf8proc) and Rust agree byte for byte. Outside ASCII they differ
//!   (`'ß'.upper()` is `'SS'` in Python, `'ẞ'` in pyarrow; Unicode versions
//!   differ), so [`Transform::apply`] answers `None` and the caller uses
//!   Python's own method or declines.
//! * Stripping removes the characters `str.isspace` accepts ([`is_space`]:
//!   bidirectional class WS, B or S, or category Zs), which is also
//!   pyarrow's `utf8_trim_whitespace` set; tested against both over every
//!   code point.
//! * Length is the number of code points; literal search and replace on
//!   UTF-8 equal Python's on code points (matches of valid UTF-8 in valid
//!   UTF-8 start and end on character boundaries), non-overlapping left to
//!   right.

use std::borrow::Cow;

use rayon::prelude::*;

use crate::arrow::{Offset, StrChunk};

/// `str.isspace()` of one character (Python 3.11, Unicode 14), which is
/// what `str.strip()` with no argument removes.
#[inline]
pub fn is_space(c: char) -> bool {
    matches!(
        c,
        '\t'..='\r'
            | '\x1c'..='\x20'
            | '\u{85}'
            | '\u{a0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200a}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202f}'
            | '\u{205f}'
            | '\u{3000}'
    )
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Both,
    Left,
    Right,
}

/// A string-to-string method.
#[derive(Clone, Copy, Debug)]
pub enum Transform<'p> {
    Lower,
    Upper,
    Strip(Side),
    /// `s.replace(pat, repl)`: every occurrence.
    Replace {
        pat: &'p str,
        repl: &'p str,
    },
}

impl<'p> Transform<'p> {
    /// The transform named like the pandas method; `pat` and `repl` are
    /// required for (only) `replace`.
    pub fn parse(name: &str, pat: Option<&'p str>, repl: Option<&'p str>) -> Option<Self> {
        let t = match (name, pat, repl) {
            ("lower", None, None) => Transform::Lower,
            ("upper", None, None) => Transform::Upper,
            ("strip", None, None) => Transform::Strip(Side::Both),
            ("lstrip", None, None) => Transform::Strip(Side::Left),
            ("rstrip", None, None) => Transform::Strip(Side::Right),
            ("replace", Some(pat), Some(repl)) => Transform::Replace { pat, repl },
            _ => return None,
        };
        Some(t)
    }

    /// Whether the transform keeps every byte length, so an Arrow result
    /// can share its input's offsets.
    pub fn keeps_lengths(&self) -> bool {
        matches!(self, Transform::Lower | Transform::Upper)
    }

    /// The result for `s`, borrowed when it is `s` unchanged; `None` where
    /// only Python's own method gives the exact answer (case mapping of
    /// non-ASCII text).
    pub fn apply<'a>(&self, s: &'a str) -> Option<Cow<'a, str>> {
        Some(match *self {
            Transform::Lower => {
                if !s.is_ascii() {
                    return None;
                }
                if s.bytes().any(|b| b.is_ascii_uppercase()) {
                    Cow::Owned(s.to_ascii_lowercase())
                } else {
                    Cow::Borrowed(s)
                }
            }
            Transform::Upper => {
                if !s.is_ascii() {
                    return None;
                }
                if s.bytes().any(|b| b.is_ascii_lowercase()) {
                    Cow::Owned(s.to_ascii_uppercase())
                } else {
                    Cow::Borrowed(s)
                }
            }
            Transform::Strip(Side::Both) => Cow::Borrowed(s.trim_matches(is_space)),
            Transform::Strip(Side::Left) => Cow::Borrowed(s.trim_start_matches(is_space)),
            Transform::Strip(Side::Right) => Cow::Borrowed(s.trim_end_matches(is_space)),
            Transform::Replace { pat, repl } => {
                if s.contains(pat) {
                    Cow::Owned(s.replace(pat, repl))
                } else {
                    Cow::Borrowed(s)
                }
            }
        })
    }
}

impl Transform<'_> {
    /// [`Transform::apply`] appending a changed result to `out`: `Some(true)`
    /// when it appended one, `Some(false)` when the result is `s` itself,
    /// `None` where only Python's method answers. No allocation per string.
    pub fn apply_into(&self, s: &str, out: &mut String) -> Option<bool> {
        match *self {
            Transform::Lower | Transform::Upper => {
                if !s.is_ascii() {
                    return None;
                }
                let upper = matches!(self, Transform::Upper);
                let changes = |b: &u8| {
                    if upper {
                        b.is_ascii_lowercase()
                    } else {
                        b.is_ascii_uppercase()
                    }
                };
                if !s.bytes().any(|b| changes(&b)) {
                    return Some(false);
                }
                // ASCII bytes are chars.
                out.extend(s.bytes().map(|b| {
                    (if upper {
                        b.to_ascii_uppercase()
                    } else {
                        b.to_ascii_lowercase()
                    }) as char
                }));
                Some(true)
            }
            Transform::Strip(_) => {
                let t = self.apply(s)?;
                if t.len() == s.len() {
                    return Some(false);
                }
                out.push_str(&t);
                Some(true)
            }
            Transform::Replace { pat, repl } => {
                let (mut last, mut found) = (0, false);
                for (at, _) in s.match_indices(pat) {
                    out.push_str(&s[last..at]);
                    out.push_str(repl);
                    last = at + pat.len();
                    found = true;
                }
                if !found {
                    return Some(false);
                }
                out.push_str(&s[last..]);
                Some(true)
            }
        }
    }
}

/// A literal test of a string.
#[derive(Clone, Copy, Debug)]
pub enum Match<'p> {
    Contains(&'p str),
    StartsWith(&'p str),
    EndsWith(&'p str),
}

impl<'p> Match<'p> {
    pub fn parse(name: &str, pat: &'p str) -> Option<Self> {
        Some(match name {
            "contains" => Match::Contains(pat),
            "startswith" => Match::StartsWith(pat),
            "endswith" => Match::EndsWith(pat),
            _ => return None,
        })
    }

    #[inline]
    pub fn test(&self, s: &str) -> bool {
        match *self {
            Match::Contains(p) => s.contains(p),
            Match::StartsWith(p) => s.starts_with(p),
            Match::EndsWith(p) => s.ends_with(p),
        }
    }
}

/// `len(s)`: code points.
#[inline]
pub fn char_len(s: &str) -> usize {
    // Every byte but UTF-8 continuation bytes starts a code point.
    char_len_bytes(s.as_bytes())
}

/// Rows per parallel task.
const BLOCK: usize = 1 << 14;

/// The smallest task: the whole input (one task on the calling thread)
/// unless there are at least 4 threads. On 2 shared cores splitting the
/// work over rayon's threads measured slower than one thread (1e6 Arrow
/// rows: 39 ms with 2 threads against 28 ms with one; see
/// docs/benchmarks.md "Rust string kernels"), as for groupby's fold.
fn min_task(n: usize) -> usize {
    if rayon::current_num_threads() >= 4 {
        BLOCK
    } else {
        n.max(1)
    }
}

/// Checked access to the rows of one Arrow string chunk.
pub struct Rows<'a, O> {
    chunk: &'a StrChunk<'a, O>,
    /// The data the rows span.
    data: &'a [u8],
    /// `data` validated as UTF-8, when asked for.
    text: Option<&'a str>,
    /// The offset of `data` in the data buffer.
    first: usize,
}

impl<'a, O: Offset> Rows<'a, O> {
    /// Checks that the offsets and validity buffers cover the chunk and
    /// that the data the rows span is UTF-8 (once for all rows); each
    /// row's range is checked as it is read.
    pub fn new(chunk: &'a StrChunk<'a, O>) -> Result<Self, String> {
        let mut rows = Self::unvalidated(chunk)?;
        let text =
            std::str::from_utf8(rows.data).map_err(|_| "Arrow string data is not valid UTF-8")?;
        rows.text = Some(text);
        Ok(rows)
    }

    /// [`Rows::new`] without the UTF-8 check, for byte-level kernels
    /// (whose answers on valid UTF-8 are the same, and on other bytes are
    /// some answer, never undefined behaviour): rows only as bytes.
    pub fn unvalidated(chunk: &'a StrChunk<'a, O>) -> Result<Self, String> {
        let end = chunk
            .offset
            .checked_add(chunk.len)
            .filter(|&e| e < chunk.offsets.len())
            .ok_or("Arrow offsets buffer too short")?;
        if let Some(bits) = chunk.validity {
            if bits.len() * 8 < end {
                return Err("Arrow validity bitmap too short".into());
            }
        }
        let bad = || "Arrow offsets out of range".to_string();
        let (first, last) = if chunk.len == 0 {
            (0, 0)
        } else {
            let first = chunk.offsets[chunk.offset].to_usize().ok_or_else(bad)?;
            let last = chunk.offsets[end].to_usize().ok_or_else(bad)?;
            (first, last)
        };
        let data = chunk.data.get(first..last).ok_or_else(bad)?;
        Ok(Rows {
            chunk,
            data,
            text: None,
            first,
        })
    }

    pub fn len(&self) -> usize {
        self.chunk.len
    }

    pub fn is_empty(&self) -> bool {
        self.chunk.len == 0
    }

    #[inline]
    fn is_valid(&self, row: usize) -> bool {
        let r = self.chunk.offset + row;
        self.chunk
            .validity
            .is_none_or(|bits| bits[r >> 3] & (1 << (r & 7)) != 0)
    }

    /// Row `row`'s range in `data`, `None` when null.
    #[inline]
    fn range(&self, row: usize) -> Result<Option<(usize, usize)>, String> {
        if !self.is_valid(row) {
            return Ok(None);
        }
        let r = self.chunk.offset + row;
        match (
            self.chunk.offsets[r].to_usize(),
            self.chunk.offsets[r + 1].to_usize(),
        ) {
            (Some(start), Some(stop)) => start
                .checked_sub(self.first)
                .zip(stop.checked_sub(self.first)),
            _ => None,
        }
        .map(Some)
        .ok_or_else(|| "Arrow offsets out of range".to_string())
    }

    /// Row `row`'s bytes, `None` when null.
    #[inline]
    pub fn get_bytes(&self, row: usize) -> Result<Option<&'a [u8]>, String> {
        match self.range(row)? {
            None => Ok(None),
            Some((start, stop)) => self
                .data
                .get(start..stop)
                .map(Some)
                .ok_or_else(|| "Arrow offsets out of range".to_string()),
        }
    }

    /// Row `row`'s text, `None` when null.
    #[inline]
    pub fn get(&self, row: usize) -> Result<Option<&'a str>, String> {
        let text = self
            .text
            .ok_or("Arrow rows read as text without a UTF-8 check")?;
        match self.range(row)? {
            None => Ok(None),
            // `str::get` checks the range is in bounds and on character boundaries.
            Some((start, stop)) => text
                .get(start..stop)
                .map(Some)
                .ok_or_else(|| "Arrow offsets out of range".to_string()),
        }
    }
}

/// Offsets of a result array.
pub trait OutOffset: Offset + Send {
    fn from_usize(v: usize) -> Option<Self>;
}

impl OutOffset for i32 {
    fn from_usize(v: usize) -> Option<Self> {
        i32::try_from(v).ok()
    }
}

impl OutOffset for i64 {
    fn from_usize(v: usize) -> Option<Self> {
        i64::try_from(v).ok()
    }
}

/// A transformed Arrow chunk: its new data buffer and, unless the input's
/// can be shared, its offsets. Offsets keep the input's logical offset
/// (the first `offset + 1` are 0), so the input's validity bitmap applies.
pub struct ArrowStrings<O> {
    pub offsets: Option<Vec<O>>,
    pub data: Vec<u8>,
}

/// `transform` of every row of `chunk`, or `Ok(None)` when some row needs
/// Python's own method (non-ASCII case mapping): pandas then answers.
pub fn transform_arrow<O: OutOffset>(
    chunk: &StrChunk<'_, O>,
    transform: Transform<'_>,
) -> Result<Option<ArrowStrings<O>>, String> {
    let rows = Rows::new(chunk)?;
    if transform.keeps_lengths() {
        // ASCII case mapping maps each byte on its own: the data buffer is
        // mapped as a whole (null slots included: their bytes are unused),
        // and offsets and validity are shared with the input.
        let (first, text) = (rows.first, rows.data);
        if !text.is_ascii() {
            return Ok(None);
        }
        // Bytes before `first` belong to no row of this (sliced) chunk.
        let mut data = vec![0u8; first + text.len()];
        let upper = matches!(transform, Transform::Upper);
        let task = min_task(text.len());
        data[first..]
            .par_chunks_mut(task)
            .zip(text.par_chunks(task))
            .for_each(|(out, src)| {
                out.copy_from_slice(src);
                if upper {
                    out.make_ascii_uppercase();
                } else {
                    out.make_ascii_lowercase();
                }
            });
        return Ok(Some(ArrowStrings {
            offsets: None,
            data,
        }));
    }
    let n = rows.len();
    let task = min_task(n);
    let blocks: Vec<Option<(Vec<u8>, Vec<usize>)>> = (0..n.div_ceil(task))
        .into_par_iter()
        .map(|b| {
            let (lo, hi) = (b * task, ((b + 1) * task).min(n));
            let mut data = String::with_capacity(if lo == 0 && hi == n {
                rows.data.len()
            } else {
                0
            });
            let mut lens = Vec::with_capacity(hi - lo);
            for row in lo..hi {
                let before = data.len();
                if let Some(s) = rows.get(row)? {
                    match transform.apply_into(s, &mut data) {
                        Some(true) => {}
                        Some(false) => data.push_str(s),
                        None => return Ok(None),
                    }
                }
                lens.push(data.len() - before);
            }
            Ok(Some((data.into_bytes(), lens)))
        })
        .collect::<Result<_, String>>()?;
    let mut offsets = Vec::with_capacity(chunk.offset + n + 1);
    offsets.resize(chunk.offset + 1, O::from_usize(0).ok_or("offset overflow")?);
    let total: usize = blocks.iter().flatten().map(|(d, _)| d.len()).sum();
    let mut data = Vec::new();
    if blocks.len() > 1 {
        data.reserve_exact(total);
    }
    for block in blocks {
        let Some((bytes, lens)) = block else {
            return Ok(None);
        };
        let mut end = data.len();
        for len in lens {
            end += len;
            offsets.push(O::from_usize(end).ok_or("string data too long for the offsets type")?);
        }
        if data.is_empty() {
            data = bytes; // one block (serial): its buffer is the result's
        } else {
            data.extend_from_slice(&bytes);
        }
    }
    Ok(Some(ArrowStrings {
        offsets: Some(offsets),
        data,
    }))
}

/// `f(row)` of each of `n` rows, appended to `out` (in parallel with
/// enough threads).
fn map_rows<T: Send>(
    n: usize,
    out: &mut Vec<T>,
    f: impl Fn(usize) -> Result<T, String> + Sync,
) -> Result<(), String> {
    let task = min_task(n);
    out.reserve(n);
    if task >= n {
        for row in 0..n {
            out.push(f(row)?);
        }
        return Ok(());
    }
    let blocks: Vec<Vec<T>> = (0..n.div_ceil(task))
        .into_par_iter()
        .map(|b| (b * task..((b + 1) * task).min(n)).map(&f).collect())
        .collect::<Result<_, String>>()?;
    for block in blocks {
        out.extend(block);
    }
    Ok(())
}

/// Code points of UTF-8 bytes: the bytes that are not continuation bytes.
#[inline]
fn char_len_bytes(b: &[u8]) -> usize {
    b.iter().filter(|&&b| (b as i8) >= -0x40).count()
}

/// `len` of each row, appended to `out`; null rows get `null`.
pub fn len_arrow<O: Offset, T: Send + Sync + Copy>(
    chunk: &StrChunk<'_, O>,
    out: &mut Vec<T>,
    of_len: impl Fn(usize) -> T + Sync,
    null: T,
) -> Result<(), String> {
    let rows = Rows::unvalidated(chunk)?;
    if rows.data.is_ascii() {
        // One byte per code point.
        return map_rows(rows.len(), out, |r| {
            Ok(rows.get_bytes(r)?.map_or(null, |b| of_len(b.len())))
        });
    }
    map_rows(rows.len(), out, |r| {
        Ok(rows
            .get_bytes(r)?
            .map_or(null, |b| of_len(char_len_bytes(b))))
    })
}

/// `m` of each row, appended to `out`; null rows get `na`.
pub fn match_arrow<O: Offset>(
    chunk: &StrChunk<'_, O>,
    m: Match<'_>,
    na: bool,
    out: &mut Vec<bool>,
) -> Result<(), String> {
    // Prefix and suffix tests compare bytes: no UTF-8 check needed.
    match m {
        Match::StartsWith(p) | Match::EndsWith(p) => {
            let rows = Rows::unvalidated(chunk)?;
            let starts = matches!(m, Match::StartsWith(_));
            let p = p.as_bytes();
            map_rows(rows.len(), out, |r| {
                Ok(rows.get_bytes(r)?.map_or(na, |b| {
                    if starts {
                        b.starts_with(p)
                    } else {
                        b.ends_with(p)
                    }
                }))
            })
        }
        Match::Contains(_) => {
            let rows = Rows::new(chunk)?;
            map_rows(rows.len(), out, |r| {
                Ok(rows.get(r)?.map_or(na, |s| m.test(s)))
            })
        }
    }
}

/// One element's result in an object column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mapped {
    Missing,
    /// The result is the element's own text.
    Same,
    /// The result is this byte range of its block's text.
    New(usize, usize),
    /// Only Python's own method gives it.
    Python,
}

/// Results of consecutive elements: new texts share one buffer.
pub struct MappedBlock {
    pub text: String,
    pub mapped: Vec<Mapped>,
}

/// `transform` of each text (`None`: missing), in blocks of consecutive
/// elements (in parallel with enough threads).
pub fn transform_all(texts: &[Option<&str>], transform: Transform<'_>) -> Vec<MappedBlock> {
    let task = min_task(texts.len());
    texts
        .par_chunks(task)
        .map(|block| {
            let mut text = String::new();
            let mapped = block
                .iter()
                .map(|t| match t {
                    None => Mapped::Missing,
                    Some(s) => {
                        let start = text.len();
                        match transform.apply_into(s, &mut text) {
                            None => Mapped::Python,
                            Some(false) => Mapped::Same,
                            Some(true) => Mapped::New(start, text.len()),
                        }
                    }
                })
                .collect();
            MappedBlock { text, mapped }
        })
        .collect()
}

/// `len` of each text, -1 when missing.
pub fn len_all(texts: &[Option<&str>]) -> Vec<i64> {
    texts
        .par_iter()
        .with_min_len(min_task(texts.len()))
        .map(|t| t.map_or(-1, |s| char_len(s) as i64))
        .collect()
}

/// `m` of each text: 1 true, 0 false, -1 missing.
pub fn match_all(texts: &[Option<&str>], m: Match<'_>) -> Vec<i8> {
    texts
        .par_iter()
        .with_min_len(min_task(texts.len()))
        .map(|t| t.map_or(-1, |s| m.test(s) as i8))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(t: Transform<'_>, s: &str) -> Option<String> {
        t.apply(s).map(|c| c.into_owned())
    }

    #[test]
    fn case_mapping_is_ascii_only() {
        assert_eq!(apply(Transform::Lower, "AbC 1!"), Some("abc 1!".into()));
        assert_eq!(apply(Transform::Upper, "AbC 1!"), Some("ABC 1!".into()));
        assert_eq!(apply(Transform::Lower, "ÉA"), None);
        assert_eq!(apply(Transform::Upper, "ß"), None);
        assert!(matches!(
            Transform::Lower.apply("abc"),
            Some(Cow::Borrowed(_))
        ));
    }

    #[test]
    fn strip_uses_python_whitespace() {
        let s = "\u{1c}\u{85}\u{3000} a b\t\u{200b}\n\u{1f}";
        // U+200B (zero width space) is not whitespace in Python.
        assert_eq!(
            apply(Transform::Strip(Side::Both), s),
            Some("a b\t\u{200b}".into())
        );
        assert_eq!(
            apply(Transform::Strip(Side::Left), s),
            Some("a b\t\u{200b}\n\u{1f}".into())
        );
        assert_eq!(
            apply(Transform::Strip(Side::Right), s),
            Some("\u{1c}\u{85}\u{3000} a b\t\u{200b}".into())
        );
        assert!(!is_space('\u{200b}') && !is_space('\u{180e}') && is_space('\u{a0}'));
    }

    #[test]
    fn apply_into_equals_apply() {
        let transforms = [
            Transform::Lower,
            Transform::Upper,
            Transform::Strip(Side::Both),
            Transform::Strip(Side::Right),
            Transform::Replace {
                pat: "ab",
                repl: "X",
            },
            Transform::Replace { pat: "", repl: "-" },
            Transform::Replace {
                pat: "a",
                repl: "a",
            },
        ];
        for s in ["", "ab", "abab", " aB ", "xab", "ba", "é ab", "\u{3000}"] {
            for t in transforms {
                let mut out = String::from("prefix");
                let expected = t.apply(s).map(|c| c.into_owned());
                let got = t.apply_into(s, &mut out).map(|changed| {
                    if changed {
                        out["prefix".len()..].to_string()
                    } else {
                        s.to_string()
                    }
                });
                assert_eq!(got, expected, "{t:?} {s:?}");
            }
        }
    }

    #[test]
    fn replace_is_left_to_right_non_overlapping() {
        let t = Transform::Replace {
            pat: "aa",
            repl: "b",
        };
        assert_eq!(apply(t, "aaaaa"), Some("bba".into()));
        let t = Transform::Replace {
            pat: "é", repl: ""
        };
        assert_eq!(apply(t, "éxé"), Some("x".into()));
    }

    #[test]
    fn lengths_count_code_points() {
        assert_eq!(char_len(""), 0);
        assert_eq!(char_len("aé𝄞"), 3);
        assert_eq!(len_all(&[Some("ab"), None]), vec![2, -1]);
    }

    #[test]
    fn matches_literals() {
        let texts = [Some("abc"), None, Some("")];
        assert_eq!(match_all(&texts, Match::Contains("b")), vec![1, -1, 0]);
        assert_eq!(match_all(&texts, Match::Contains("")), vec![1, -1, 1]);
        assert_eq!(match_all(&texts, Match::StartsWith("ab")), vec![1, -1, 0]);
        assert_eq!(match_all(&texts, Match::EndsWith("bc")), vec![1, -1, 0]);
    }

    fn chunk<'a>(
        offsets: &'a [i64],
        data: &'a [u8],
        validity: Option<&'a [u8]>,
        offset: usize,
        len: usize,
    ) -> StrChunk<'a, i64> {
        StrChunk {
            offsets,
            data,
            validity,
            offset,
            len,
        }
    }

    #[test]
    fn arrow_transforms_keep_offset_and_nulls() {
        // ["Ab", null, " c ", "D"], sliced from offset 1.
        let data = b"Ab c D";
        let offsets = [0i64, 2, 2, 5, 6];
        let validity = [0b1101u8];
        let c = chunk(&offsets, data, Some(&validity), 1, 3);
        let lower = transform_arrow(&c, Transform::Lower).unwrap().unwrap();
        assert!(lower.offsets.is_none());
        assert_eq!(&lower.data[2..], b" c d");
        let strip = transform_arrow(&c, Transform::Strip(Side::Both))
            .unwrap()
            .unwrap();
        assert_eq!(strip.offsets.unwrap(), vec![0, 0, 0, 1, 2]);
        assert_eq!(strip.data, b"cD");
        let mut lens = Vec::new();
        len_arrow(&c, &mut lens, |n| n as i64, -1).unwrap();
        assert_eq!(lens, vec![-1, 3, 1]);
        let mut m = Vec::new();
        match_arrow(&c, Match::Contains("c"), true, &mut m).unwrap();
        assert_eq!(m, vec![true, true, false]);
    }

    #[test]
    fn arrow_declines_non_ascii_case_mapping() {
        let data = "é".as_bytes();
        let offsets = [0i64, 2];
        let c = chunk(&offsets, data, None, 0, 1);
        assert!(transform_arrow(&c, Transform::Upper).unwrap().is_none());
        let r = Transform::Replace {
            pat: "é",
            repl: "e",
        };
        assert_eq!(transform_arrow(&c, r).unwrap().unwrap().data, b"e");
    }

    #[test]
    fn arrow_rejects_bad_buffers() {
        let mut out = Vec::new();
        // Offsets past the data, decreasing offsets, a split code point.
        for (offsets, data) in [
            ([0i64, 5], &b"ab"[..]),
            ([2, 1], &b"ab"[..]),
            ([0, 1], "é".as_bytes()),
        ] {
            let c = chunk(&offsets, data, None, 0, 1);
            assert!(transform_arrow(&c, Transform::Strip(Side::Both)).is_err());
            assert!(match_arrow(&c, Match::Contains("a"), false, &mut Vec::new()).is_err());
        }
        // Byte-level kernels need no UTF-8, only ranges in bounds.
        for (offsets, data) in [([0i64, 5], &b"ab"[..]), ([2, 1], &b"ab"[..])] {
            let c = chunk(&offsets, data, None, 0, 1);
            assert!(len_arrow(&c, &mut out, |n| n as i64, -1).is_err());
            assert!(match_arrow(&c, Match::EndsWith("b"), false, &mut Vec::new()).is_err());
        }
        let split = chunk(&[0, 1], "é".as_bytes(), None, 0, 1);
        len_arrow(&split, &mut out, |n| n as i64, -1).unwrap();
        assert_eq!(out, vec![1]);
        let short = chunk(&[0, 1], b"ab", None, 0, 2);
        assert!(match_arrow(&short, Match::Contains("a"), false, &mut Vec::new()).is_err());
        let bitmap = chunk(&[0; 10], b"", Some(&[0]), 0, 9);
        assert!(transform_arrow(&bitmap, Transform::Lower).is_err());
    }

    #[test]
    fn parallel_blocks_equal_serial() {
        // Over BLOCK rows, with 4 threads the work is split in blocks.
        let n = 3 * BLOCK + 17;
        let texts: Vec<String> = (0..n).map(|i| format!(" Ab{} ", i % 97)).collect();
        let mut offsets = vec![0i64];
        let mut data = Vec::new();
        for t in &texts {
            data.extend_from_slice(t.as_bytes());
            offsets.push(data.len() as i64);
        }
        let validity: Vec<u8> = (0..n.div_ceil(8))
            .map(|i| if i % 5 == 0 { 0b1011_0111 } else { 0xff })
            .collect();
        let c = chunk(&offsets, &data, Some(&validity), 0, n);
        let opt: Vec<Option<&str>> = texts.iter().map(|t| Some(t.as_str())).collect();
        let run = || {
            let strip = transform_arrow(&c, Transform::Strip(Side::Both))
                .unwrap()
                .unwrap();
            let upper = transform_arrow(&c, Transform::Upper).unwrap().unwrap();
            let mut lens = Vec::new();
            len_arrow(&c, &mut lens, |l| l as i64, -1).unwrap();
            let mut m = Vec::new();
            match_arrow(&c, Match::EndsWith("5 "), false, &mut m).unwrap();
            let blocks = transform_all(&opt, Transform::Lower);
            let lowered: Vec<String> = blocks
                .iter()
                .flat_map(|b| {
                    b.mapped.iter().map(|&m| match m {
                        Mapped::New(s, e) => b.text[s..e].to_string(),
                        other => format!("{other:?}"),
                    })
                })
                .collect();
            (
                strip.offsets,
                strip.data,
                upper.data,
                lens,
                m,
                lowered,
                len_all(&opt),
                match_all(&opt, Match::Contains("b1")),
            )
        };
        let serial = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(run);
        let parallel = rayon::ThreadPoolBuilder::new()
            .num_threads(4)
            .build()
            .unwrap()
            .install(run);
        assert_eq!(serial, parallel);
        assert_eq!(serial.5.len(), n);
        assert_eq!(
            serial.3.iter().filter(|&&l| l < 0).count(),
            2 * n.div_ceil(8).div_ceil(5)
        );
    }
}
