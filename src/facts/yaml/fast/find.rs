//! `memchr` for the short runs the scanner searches: the rest of a line, a key, a value.
//!
//! Most of those are a few bytes to a few dozen, where `memchr`'s call, dispatch and setup
//! cost more than the search (callgrind: about 70 instructions a call, a tenth of a large
//! parse). The first bytes are searched here a word at a time, and only a longer run is
//! handed to `memchr`.

/// Bytes searched a word at a time before `memchr` takes the rest.
const SHORT: usize = 32;

const LOW_BITS: u64 = 0x0101_0101_0101_0101;
const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// The byte `b` in every byte of a word.
const fn splat(b: u8) -> u64 {
    LOW_BITS * b as u64
}

/// A high bit set in each zero byte of `x`, and perhaps in bytes after the first zero one
/// (a borrow runs on): the lowest set bit is always the first zero byte's.
#[inline]
fn zero_bytes(x: u64) -> u64 {
    x.wrapping_sub(LOW_BITS) & !x & HIGH_BITS
}

/// The first byte of `hay` whose mask bit `hits` sets (given the word and the bytes it
/// holds), searched a word at a time up to [`SHORT`] bytes; `rest` searches what is left.
#[inline]
fn find_with(
    hay: &[u8],
    hits: impl Fn(u64) -> u64,
    rest: impl FnOnce(&[u8]) -> Option<usize>,
) -> Option<usize> {
    let (head, tail) = hay.split_at(hay.len().min(SHORT));
    let mut chunks = head.chunks_exact(8);
    let mut at = 0;
    for chunk in chunks.by_ref() {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let found = hits(u64::from_le_bytes(word));
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    let last = chunks.remainder();
    if !last.is_empty() {
        // the bytes past the run are zero in the word and must not count
        let mut word = [0u8; 8];
        word.get_mut(..last.len())?.copy_from_slice(last);
        let valid = u64::MAX >> (64 - 8 * last.len());
        let found = hits(u64::from_le_bytes(word)) & valid;
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        return None;
    }
    if tail.is_empty() {
        return None;
    }
    rest(tail).map(|i| i + SHORT)
}

/// How many spaces `hay` starts with, counted a word at a time (a line's indentation, the
/// spaces after a `:` or a `-`).
#[inline]
pub(super) fn leading_spaces(hay: &[u8]) -> usize {
    let spaces = splat(b' ');
    let mut chunks = hay.chunks_exact(8);
    let mut at = 0;
    for chunk in chunks.by_ref() {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        // the first byte that is not a space is the first nonzero byte of the difference
        let other = u64::from_le_bytes(word) ^ spaces;
        if other != 0 {
            return at + (other.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    at + chunks
        .remainder()
        .iter()
        .take_while(|&&b| b == b' ')
        .count()
}

/// The first `needle` in `hay`.
#[inline]
pub(super) fn find(needle: u8, hay: &[u8]) -> Option<usize> {
    let n = splat(needle);
    find_with(
        hay,
        |word| zero_bytes(word ^ n),
        |rest| memchr::memchr(needle, rest),
    )
}

/// The first `a` or `b` in `hay`.
#[inline]
pub(super) fn find2(a: u8, b: u8, hay: &[u8]) -> Option<usize> {
    let (na, nb) = (splat(a), splat(b));
    find_with(
        hay,
        |word| zero_bytes(word ^ na) | zero_bytes(word ^ nb),
        |rest| memchr::memchr2(a, b, rest),
    )
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::{find, find2, leading_spaces};

    fn naive(hay: &[u8], needles: &[u8]) -> Option<usize> {
        hay.iter().position(|b| needles.contains(b))
    }

    #[test]
    fn the_first_match_in_runs_of_every_length_around_the_words() {
        for len in 0..80 {
            for at in 0..len {
                let mut hay = vec![b'a'; len];
                if let Some(b) = hay.get_mut(at) {
                    *b = b':';
                }
                // a later match and a byte that differs by one bit must not be taken
                if let Some(b) = hay.get_mut(at + 1) {
                    *b = b';';
                }
                assert_eq!(find(b':', &hay), Some(at), "len {len} at {at}");
                assert_eq!(find2(b'#', b':', &hay), Some(at), "len {len} at {at}");
            }
            assert_eq!(find(b':', &vec![b'a'; len]), None);
            // the zero bytes that pad a short word are not a match for a NUL needle
            assert_eq!(find(0, &vec![b'a'; len]), None, "len {len}");
        }
    }

    #[test]
    fn leading_spaces_of_every_length_around_the_words() {
        for len in 0..40 {
            for spaces in 0..=len {
                let hay: Vec<u8> = (0..len)
                    .map(|i| if i < spaces { b' ' } else { b'x' })
                    .collect();
                assert_eq!(leading_spaces(&hay), spaces, "len {len}");
            }
        }
    }

    proptest! {
        #[test]
        fn as_a_byte_loop_finds_it(hay in proptest::collection::vec(any::<u8>(), 0..100), a: u8, b: u8) {
            prop_assert_eq!(find(a, &hay), naive(&hay, &[a]));
            prop_assert_eq!(find2(a, b, &hay), naive(&hay, &[a, b]));
            let spaces = hay.iter().take_while(|&&b| b == b' ').count();
            prop_assert_eq!(leading_spaces(&hay), spaces);
        }
    }
}
