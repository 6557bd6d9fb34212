//! Reading Arrow string arrays (`string` / `large_string`, the storage of
//! pandas' default `str` dtype) straight from their buffers, without a Python
//! object per row.
//!
//! Keys are the raw UTF-8 bytes: equal strings have equal bytes, and byte
//! order of UTF-8 is code point order, which is Python's `str` order, so no
//! decoding (or UTF-8 validation) is needed to hash or sort them.

/// The buffers of one Arrow string array chunk, as Arrow lays them out.
pub struct StrChunk<'a, O> {
    /// `len + offset + 1` offsets into `data` (at least; the slice may be longer).
    pub offsets: &'a [O],
    pub data: &'a [u8],
    /// Validity bitmap, LSB first; `None` when no value is null.
    pub validity: Option<&'a [u8]>,
    /// The chunk's logical offset into its buffers (a sliced array).
    pub offset: usize,
    pub len: usize,
}

/// Offset types of `string` (i32) and `large_string` (i64).
pub trait Offset: Copy + Sync {
    fn to_usize(self) -> Option<usize>;
}

impl Offset for i32 {
    #[inline]
    fn to_usize(self) -> Option<usize> {
        usize::try_from(self).ok()
    }
}

impl Offset for i64 {
    #[inline]
    fn to_usize(self) -> Option<usize> {
        usize::try_from(self).ok()
    }
}

impl<'a, O: Offset> StrChunk<'a, O> {
    /// Appends each row's bytes (`None` when null) to `out`. Buffers that do
    /// not describe a valid array give an error, never a panic.
    pub fn push_keys(&self, out: &mut Vec<Option<&'a [u8]>>) -> Result<(), String> {
        let end = self
            .offset
            .checked_add(self.len)
            .filter(|&e| e < self.offsets.len())
            .ok_or("Arrow offsets buffer too short")?;
        if let Some(bits) = self.validity {
            if bits.len() * 8 < end {
                return Err("Arrow validity bitmap too short".into());
            }
        }
        let bad = || "Arrow offsets out of range".to_string();
        out.reserve(self.len);
        let mut start = self.offsets[self.offset].to_usize().ok_or_else(bad)?;
        for row in self.offset..end {
            let stop = self.offsets[row + 1].to_usize().ok_or_else(bad)?;
            let valid = self
                .validity
                .is_none_or(|bits| bits[row >> 3] & (1 << (row & 7)) != 0);
            if valid {
                out.push(Some(self.data.get(start..stop).ok_or_else(bad)?));
            } else {
                out.push(None);
            }
            start = stop;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_sliced_chunk_with_nulls() {
        // ["ab", null, "", "é"], sliced from offset 1.
        let data = "abé".as_bytes();
        let offsets: [i64; 5] = [0, 2, 2, 2, 4];
        let validity = [0b1101u8];
        let chunk = StrChunk {
            offsets: &offsets,
            data,
            validity: Some(&validity),
            offset: 1,
            len: 3,
        };
        let mut keys = Vec::new();
        chunk.push_keys(&mut keys).unwrap();
        assert_eq!(keys, vec![None, Some(&b""[..]), Some("é".as_bytes())]);
    }

    #[test]
    fn rejects_bad_buffers() {
        let data = b"ab";
        let mut keys = Vec::new();
        let short = StrChunk::<i32> {
            offsets: &[0, 1],
            data,
            validity: None,
            offset: 0,
            len: 2,
        };
        assert!(short.push_keys(&mut keys).is_err());
        let past_end = StrChunk::<i32> {
            offsets: &[0, 5],
            data,
            validity: None,
            offset: 0,
            len: 1,
        };
        assert!(past_end.push_keys(&mut keys).is_err());
        let decreasing = StrChunk::<i32> {
            offsets: &[2, 1],
            data,
            validity: None,
            offset: 0,
            len: 1,
        };
        assert!(decreasing.push_keys(&mut keys).is_err());
        let negative = StrChunk::<i32> {
            offsets: &[-1, 1],
            data,
            validity: None,
            offset: 0,
            len: 1,
        };
        assert!(negative.push_keys(&mut keys).is_err());
        let bitmap = StrChunk::<i32> {
            offsets: &[0; 10],
            data,
            validity: Some(&[0]),
            offset: 0,
            len: 9,
        };
        assert!(bitmap.push_keys(&mut keys).is_err());
    }
}
